"""Any query string gives a normal page: a property-based test throwing arbitrary text (NUL
bytes, operators, unbalanced quotes, SQL and HTML fragments, emoji, right-to-left scripts,
very long strings) at /search/, on a small archive so that matches happen too."""

import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from statements.models import Alias, Organisation, Statement, Topic
from statements.search import compile

pytestmark = pytest.mark.django_db

FRAGMENTS = [
    '"', "'", "-", "OR", "or", "!", "&", "|", "<->", "<2>", ":*", "(", ")", "\\", "%", "_",
    "\x00", "\ue000", "\ue001", "<script>", "</mark>", "'; DROP TABLE statements_statement; --",
    "trafficking", "THB", "LO", "labour", "labor", "child", "חוק", "العمل", "🙂",
    "👩‍👩‍👧", "\u202e",
    "the", "and", " ", "\t", "\n",
]  # fmt: skip

queries = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=20).map(" ".join),
)


@pytest.fixture
def small_archive(settings):
    compile.forget_configs()
    lo = Organisation.objects.create(key="lo", name="Norwegian Confederation", short_name="LO")
    thb = Topic.objects.create(key="thb", name="Trafficking in human beings")
    Alias.objects.create(topic=thb, name="THB")
    for i, text in enumerate(
        [
            "LO is very concerned about THB and child labour.",
            "Trafficking in human beings is a crime. العمل اللائق للجميع.",
            "Decent work <b>and</b> labor & rights; 'quotes' \"double\".",
        ]
    ):
        Statement.objects.create(
            key=f"s{i}",
            title=f"Statement {i}",
            text=text,
            organisation=lo,
            date=datetime.date(2009, 1, 1),
            date_precision="year",
            status="published",
        )


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=queries)
@example(q="")
@example(q="\x00")
@example(q='"unbalanced')
@example(q="x" * 10_000)
@example(q="- OR -- || !! <-> :*")
@example(q="<script>alert(1)</script>")
def test_any_query_gives_a_normal_page(client, small_archive, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    # Only our own <mark> tags: whatever was typed appears escaped.
    assert html.count("<mark>") == html.count("</mark>")
