"""PositionFact and PositionTotal, the derived tables that every count reads: the database's
triggers must keep them equal to what the archive's own rows say, on every write path. The
expected facts are computed here in Python from the rows, never read from the tables."""

import datetime
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from statements.models import (
    Congress,
    Organisation,
    PositionFact,
    PositionTotal,
    Resolution,
    Statement,
    Topic,
)
from tests.browser.builders import build_archive

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parent.parent / "demo" / "archive.jsonl"


def lineage(topic, parents):
    """The topic and every topic above it."""
    found = []
    while topic is not None and topic not in found:
        found.append(topic)
        topic = parents.get(topic)
    return found


def expected_facts():
    parents = dict(Topic.objects.values_list("id", "parent_id"))
    facts = set()
    for s in Statement.objects.filter(status="published").select_related("organisation"):
        topics = {t for tag in s.topics.values_list("id", flat=True) for t in lineage(tag, parents)}
        o = s.organisation
        year = s.date.year if s.date else None
        facts.add(("statement", s.pk, o.pk, o.country, o.kind, s.kind, s.language, year,
                   s.date, tuple(sorted(topics))))  # fmt: skip
    for r in Resolution.objects.select_related("congress__organisation"):
        topics = {t for tag in r.topics.values_list("id", flat=True) for t in lineage(tag, parents)}
        o = r.congress.organisation
        start, year = r.congress.start_date, r.congress.year
        # Its congress's start date, when that lies in the congress's year.
        date = start if start and start.year == year else datetime.date(year, 1, 1)
        facts.add(("resolution", r.pk, o.pk, o.country, o.kind, "", r.language, r.congress.year,
                   date, tuple(sorted(topics))))  # fmt: skip
    return facts


def stored_facts():
    return {
        (*row[:-1], tuple(sorted(row[-1])))
        for row in PositionFact.objects.values_list(
            "type", "item_id", "organisation_id", "country", "organisation_kind", "kind",
            "language", "year", "sort_date", "topics",
        )
    }  # fmt: skip


def expected_totals(facts):
    """{(scope, facet, value, type): count} for the whole archive (""), each topic a fact is
    on and its organisation."""
    totals = Counter()
    for fact in facts:
        kind, _id, organisation, _c, _ok, statement_kind, language, year, _date, topics = fact
        for scope in ("", *(f"topic:{t}" for t in topics), f"organisation:{organisation}"):
            totals[scope, "type", "", kind] += 1
            totals[scope, "organisation", str(organisation), kind] += 1
            if kind == "statement":
                totals[scope, "kind", statement_kind, kind] += 1
            totals[scope, "language", language, kind] += 1
            totals[scope, "year", "" if year is None else str(year), kind] += 1
            for topic in topics:
                totals[scope, "topic", str(topic), kind] += 1
    return dict(totals)


def assert_current():
    facts = expected_facts()
    assert stored_facts() == facts
    stored = {(s, f, v, t): n for s, f, v, t, n in PositionTotal.objects.values_list(
        "scope", "facet", "value", "type", "count")}  # fmt: skip
    assert stored == expected_totals(facts)


@pytest.fixture
def archive():
    return build_archive()


def test_the_facts_follow_every_kind_of_edit(archive):
    assert_current()
    answer = Statement.objects.get(key="lo-answer")
    answer.status = "draft"  # unpublished: gone from every count
    answer.save()
    assert_current()
    answer.status = "published"
    answer.date, answer.date_precision = datetime.date(1999, 1, 1), "year"
    answer.language = "no"
    answer.save()
    assert_current()
    answer.topics.set([archive.topics["poverty"], archive.topics["child-labour"]])
    assert_current()
    answer.topics.clear()
    assert_current()
    # What the facts copy from elsewhere.
    Organisation.objects.filter(key="lo").update(country="SE", kind="ngo")
    assert_current()
    Congress.objects.filter(key="lo-congress-2009").update(year=2008)
    Congress.objects.filter(key="lo-congress-2009").update(start_date=datetime.date(2008, 6, 2))
    congress = Congress.objects.get(key="tuc-congress-2015")
    congress.organisation = Organisation.objects.get(key="antislavery")
    congress.save()
    assert_current()
    # A topic moved in the tree takes its tagged items with it, up to its new parents.
    child = Topic.objects.get(key="child-labour")
    child.parent = Topic.objects.get(key="poverty")
    child.save()
    assert_current()
    Topic.objects.filter(key="poverty").update(parent=Topic.objects.get(key="trafficking"))
    assert_current()
    # Deleting, one by one and in bulk.
    Statement.objects.get(key="tuc-paper").delete()
    assert_current()
    Resolution.objects.filter(congress__key="tuc-congress-2015").delete()
    Statement.objects.filter(organisation__key="lo").delete()
    assert_current()


def test_the_facts_follow_raw_sql_and_bulk_writes(archive):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE statements_statement SET kind = 'speech' WHERE kind = 'answer'")
        cursor.execute("UPDATE statements_statement SET status = 'draft' WHERE date IS NULL")
    assert_current()
    tuc = Organisation.objects.get(key="tuc")
    Statement.objects.bulk_create(
        Statement(
            key=f"bulk-{n}",
            title="Bulk",
            text="Text.",
            organisation=tuc,
            kind="report",
            status="published",
        )
        for n in range(30)
    )
    assert_current()
    through = Statement.topics.through
    trafficking = archive.topics["trafficking"]
    through.objects.bulk_create(
        through(statement=s, topic=trafficking)
        for s in Statement.objects.filter(key__startswith="bulk-")
    )
    assert_current()
    assert (
        PositionTotal.objects.get(
            scope="", facet="topic", value=str(trafficking.pk), type="statement"
        ).count
        == Statement.objects.published().filter(topics=trafficking).count()
    )


def test_the_facts_follow_an_import_and_its_replacements(tmp_path):
    # The importer writes with COPY (new rows) and UPDATE (replaced ones).
    call_command("import_archive", str(DEMO), verbosity=0)
    assert PositionFact.objects.exists()
    assert_current()
    replaced = tmp_path / "replaced.jsonl"
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    for record in records:
        if record["type"] in ("statement", "resolution"):
            record["language"] = "no"
    replaced.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    call_command("import_archive", str(replaced), verbosity=0)
    assert set(PositionFact.objects.values_list("language", flat=True)) == {"no"}
    assert_current()


def test_a_congress_starting_in_another_year_lists_its_resolutions_in_their_year(client, archive):
    # The format allows a start date outside the congress's year; its resolutions stay in it,
    # for the year filters (a range of dates on the facts) as for the counts.
    congress = Congress.objects.get(key="lo-congress-2009")
    congress.start_date = datetime.date(2008, 12, 30)
    congress.save()
    assert_current()
    resolutions = set(congress.resolutions.values_list("key", flat=True))
    assert resolutions

    def listed(query):
        answer = client.get(f"/api/positions/?{query}&page_size=100").json()
        assert answer["next"] is None  # all on one page
        return {item["key"] for item in answer["results"]}

    assert resolutions <= listed("year_from=2009&year_to=2009")
    assert not resolutions & listed("year_from=2008&year_to=2008")
    assert not resolutions & listed("year_to=2008")
    assert resolutions <= listed("year_from=2009")
