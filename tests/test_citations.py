"""Citations of statements and resolutions, whole or by paragraph: the plain reference, BibTeX
and CSL-JSON, each with the access date and the text's date at its precision; their files'
media types; a paragraph the text does not have is a 400."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from statements.models import Congress, Resolution
from tests.browser.builders import build_archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return build_archive()


def today():
    return timezone.localdate()


def csl_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(response.content)
    assert len(items) == 1
    return items[0]


def bib_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response.content.decode()


def bib_fields(entry):
    """{name: value} of a one-entry BibTeX file whose values are on one line each."""
    return dict(re.findall(r"^  (\w+) = \{(.*)\},$", entry, re.M))


@pytest.mark.parametrize(
    "key, parts",
    [
        ("lo-answer", [2009]),
        ("lo-press", [2012, 5]),
        ("fagforbundet-speech", [2012, 5, 12]),
        ("tuc-paper", None),
    ],
)
def test_csl_json_of_a_statement_at_its_date_precision(client, archive, key, parts):
    statement = archive.objects[key]
    item = csl_of(client, f"/statements/{key}/cite.json")
    assert item["id"] == key
    assert item["title"] == statement.title
    assert item["author"] == [{"literal": str(statement.organisation)}]
    assert item["URL"] == f"http://testserver/statements/{key}/"
    assert item["language"] == statement.language
    now = today()
    assert item["accessed"] == {"date-parts": [[now.year, now.month, now.day]]}
    if parts is None:
        assert "issued" not in item
    else:
        assert item["issued"] == {"date-parts": [parts]}


def test_csl_json_of_a_paragraph(client, archive):
    item = csl_of(client, "/statements/lo-answer/cite.json?paragraph=2")
    assert item["id"] == "lo-answer-p2"
    assert item["URL"] == "http://testserver/statements/lo-answer/#p2"
    assert item["locator"] == "2" and item["label"] == "paragraph"
    assert item["recipient"] == [{"literal": "Anti-Slavery International"}]
    assert item["event-title"] == "Questionnaire on THB"
    assert item["genre"] == "Answer to a questionnaire or consultation"


def test_a_resolution_is_cited_with_its_congress(client, archive):
    item = csl_of(client, "/resolutions/tuc-2015-slavery/cite.json")
    assert item["author"] == [{"literal": "Trades Union Congress (TUC)"}]
    assert item["issued"] == {"date-parts": [[2015, 9, 13]]}  # the congress's first day
    assert item["event-title"] == "2015 TUC Congress"
    item = csl_of(client, "/resolutions/lo-2009-poverty/cite.json?paragraph=2")
    assert item["issued"] == {"date-parts": [[2009]]}  # a congress known by its year
    assert item["URL"] == "http://testserver/resolutions/lo-2009-poverty/#p2"
    fields = bib_fields(bib_of(client, "/resolutions/lo-2009-poverty/cite.bib?paragraph=2"))
    assert fields["note"] == (
        f"Resolution. Adopted by the 2009 LO Congress. Paragraph 2. Accessed {today():%Y-%m-%d}"
    )


def test_bibtex_of_a_statement(client, archive):
    entry = bib_of(client, "/statements/lo-press/cite.bib")
    assert entry.startswith("@misc{lo-press,\n")
    assert entry.rstrip().endswith("}")
    assert "  month = may,\n" in entry  # a month macro, unbraced
    fields = bib_fields(entry)
    assert fields["author"] == "{Norwegian Confederation of Trade Unions (LO)}"
    assert fields["title"] == "Statement lo-press"
    assert fields["year"] == "2012" and fields["date"] == "2012-05"
    assert fields["url"] == "http://testserver/statements/lo-press/"
    assert fields["urldate"] == today().isoformat()
    assert fields["note"] == f"Press release. Accessed {today().isoformat()}"
    undated = bib_fields(bib_of(client, "/statements/tuc-paper/cite.bib"))
    assert "year" not in undated and "date" not in undated


def test_bibtex_escapes_every_special_character(client, archive):
    title = r"Wages & 100% of $5 #1_a {b} ~c ^d \e"
    archive.statement("special", "lo", datetime.date(2020, 1, 1), "year", title=title)
    fields = bib_fields(bib_of(client, "/statements/special/cite.bib"))
    assert fields["title"] == (
        r"Wages \& 100\% of \$5 \#1\_a \{b\} \textasciitilde{}c \textasciicircum{}d "
        r"\textbackslash{}e"
    )
    # Braces balance, so BibTeX reads the entry to its end.
    entry = bib_of(client, "/statements/special/cite.bib")
    unescaped = re.sub(r"\\[{}]", "", entry)
    assert unescaped.count("{") == unescaped.count("}")


def test_plain_citation_of_a_paragraph_page(client, archive):
    response = client.get("/statements/lo-answer/cite/?paragraph=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Norwegian Confederation of Trade Unions (LO). “Statement lo-answer”. "
        "Answer to a questionnaire or consultation. Addressed to Anti-Slavery International. "
        "Questionnaire on THB. 2009. Paragraph 3. Policy archive, "
        f"http://testserver/statements/lo-answer/#p3 (accessed {today().isoformat()})."
    ) in html
    # The paragraph itself, and both files for it.
    assert "The fight against THB goes on." in html
    assert 'href="/statements/lo-answer/cite.bib?paragraph=3"' in html
    assert 'href="/statements/lo-answer/cite.json?paragraph=3"' in html


def test_every_paragraph_has_its_link_and_its_citation(client, archive):
    html = client.get("/statements/lo-answer/").content.decode()
    for number in (1, 2, 3):
        assert f'<a class="copy-link" href="#p{number}" data-copy-link>Copy link' in html
        assert f'href="/statements/lo-answer/cite/?paragraph={number}"' in html
    assert 'href="/statements/lo-answer/cite.bib"' in html
    html = client.get("/resolutions/lo-2009-poverty/").content.decode()
    assert '<a class="copy-link" href="#p2" data-copy-link>' in html
    assert (
        f"Policy archive, http://testserver/resolutions/lo-2009-poverty/ (accessed {today()}"
        in (html)
    )


@pytest.mark.parametrize("value", ["4", "0", "two", "-1"])
def test_a_paragraph_the_text_does_not_have_is_a_400(client, archive, value):
    for url in ("/statements/lo-answer/cite/", "/statements/lo-answer/cite.bib"):
        response = client.get(url, {"paragraph": value})
        assert response.status_code == 400
        assert f"paragraph={value}" in response.content.decode()


def test_drafts_have_no_citation(client, archive):
    for suffix in ("cite/", "cite.bib", "cite.json"):
        assert client.get(f"/statements/lo-draft/{suffix}").status_code == 404


def test_the_files_answer_304_until_the_archive_changes(client, archive):
    first = client.get("/statements/lo-answer/cite.json")
    again = client.get("/statements/lo-answer/cite.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    congress = Congress.objects.get(key="lo-congress-2009")
    Resolution.objects.create(key="new-one", congress=congress, title="New", text="New.")
    changed = client.get("/statements/lo-answer/cite.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_special_characters_are_escaped_in_the_page(client, archive):
    archive.statement("xss", "lo", title="<script>alert(1)</script> & co")
    html = client.get("/statements/xss/cite/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
