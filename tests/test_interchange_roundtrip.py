"""export → import into an empty archive → export gives the same bytes; importing the same file
again changes nothing; a matched object is replaced by the line that matches it."""

import datetime
import gzip
import json

import pytest

from statements.codes import DatePrecision
from statements.models import Alias, Organisation, Statement, Topic

from .test_interchange_support import (
    CANONICAL,
    DEMO,
    corpus_slice,
    counts,
    empty_archive,
    export_text,
    import_text,
)

pytestmark = pytest.mark.django_db

DEFAULTS = {"kind": "other", "language": "en", "status": "published"}
SORTED_LISTS = {"topics", "mentions", "related"}


def canonical_objects(text):
    """What the format says an export of `text` holds, worked out from the lines alone:
    x- fields dropped, null/empty/default values left out, sorted lists sorted."""
    objects = set()
    for line in text.splitlines():
        obj = json.loads(line)
        kept = {}
        for name, value in obj.items():
            if name.startswith("x-") or value in (None, "", []):
                continue
            if name in DEFAULTS and value == DEFAULTS[name] and obj["type"] != "affiliation":
                continue
            kept[name] = sorted(value) if name in SORTED_LISTS else value
        objects.add(json.dumps(kept, sort_keys=True, ensure_ascii=False))
    return objects


def round_trip(tmp_path, text):
    """Import `text`, export; empty the archive, import that export, export again."""
    first = import_text(tmp_path, text)
    assert first.status == 0, first.err
    exported = export_text()
    empty_archive()
    second = import_text(tmp_path, exported, name="exported.jsonl")
    assert second.status == 0, second.err
    assert export_text() == exported
    return exported


def test_hand_built_archive_exports_byte_for_byte(tmp_path):
    assert round_trip(tmp_path, CANONICAL) == CANONICAL


def test_import_stores_what_the_lines_say(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    lo = Organisation.objects.get(key="lo")
    assert lo.country == "NO" and lo.kind == "trade_union_confederation"
    assert lo.description == "The largest confederation in Norway.\n\nFounded in 1899."
    assert Organisation.objects.get(key="bspc-wg").parent.key == "bspc"
    assert Organisation.objects.get(key="ituc").kind == "other"
    undated = Statement.objects.get(key="lo-answer")
    assert (undated.date, undated.date_precision) == (None, "")
    assert undated.status == "published"
    assert {t.key for t in undated.topics.all()} == {"child-labour", "forced-labour", "trafficking"}
    assert {o.key for o in undated.mentions.all()} == {"bspc", "ituc"}
    year = Statement.objects.get(key="lo-draft")
    assert (year.date, year.date_precision) == (datetime.date(2010, 1, 1), DatePrecision.YEAR)
    assert year.status == "draft" and year.language == "nn"
    month = Statement.objects.get(key="lo-month")
    assert (month.date, month.date_precision) == (datetime.date(2011, 3, 1), DatePrecision.MONTH)
    day = Statement.objects.get(key="lo-day")
    assert (day.date, day.date_precision) == (datetime.date(2012, 3, 4), DatePrecision.DAY)
    trafficking = Topic.objects.get(key="trafficking")
    assert list(trafficking.aliases.values_list("name", flat=True)) == [
        "THB",
        "trafficking in persons",
        "human trafficking",
    ]
    # Related is symmetric: declared once, seen from both sides.
    assert {t.key for t in trafficking.related.all()} == {"child-labour", "forced-labour"}
    assert undated.quotations.count() == 2


def test_round_trip_of_a_non_canonical_file_keeps_every_object(tmp_path):
    """Lines out of order, fields out of order, defaults spelt out, lists unsorted, x- fields:
    the export holds the same objects, canonically written."""
    lines = CANONICAL.splitlines()
    shuffled = []
    for line in reversed(lines):
        obj = json.loads(line)
        obj = dict(reversed(list(obj.items())))
        if obj["type"] == "statement":
            obj.setdefault("language", "en")
            obj.setdefault("status", "published")
            obj["x-note"] = "not stored"
            if "topics" in obj:
                obj["topics"] = list(reversed(obj["topics"]))
        shuffled.append(json.dumps(obj, ensure_ascii=False))
    exported = round_trip(tmp_path, "\n".join(shuffled) + "\n")
    assert exported == CANONICAL


def test_texts_are_normalised_on_import(tmp_path):
    text = (
        '{"type": "organisation", "key": "lo", "name": "LO", '
        '"description": "  First.\\r\\n\\r\\n\\n  \\nSecond.\\r\\n"}\n'
    )
    assert import_text(tmp_path, text).status == 0
    assert Organisation.objects.get(key="lo").description == "First.\n\nSecond."
    assert export_text() == (
        '{"type": "organisation", "key": "lo", "name": "LO", '
        '"description": "First.\\n\\nSecond."}\n'
    )


def test_reimport_changes_nothing(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    before = counts()
    stamps = dict(Statement.objects.values_list("key", "updated"))
    again = import_text(tmp_path, CANONICAL)
    assert again.status == 0, again.err
    assert counts() == before
    assert dict(Statement.objects.values_list("key", "updated")) == stamps
    # Every type reports all of its objects unchanged.
    table = {line.split()[0]: line.split()[1:] for line in again.out.splitlines()[2:]}
    assert table == {
        "organisation": ["0", "0", "4"],
        "affiliation": ["0", "0", "3"],
        "topic": ["0", "0", "4"],
        "congress": ["0", "0", "2"],
        "resolution": ["0", "0", "2"],
        "statement": ["0", "0", "4"],
        "quotation": ["0", "0", "2"],
    }


def test_first_import_reports_created(tmp_path):
    result = import_text(tmp_path, CANONICAL)
    assert "21 objects imported" in result.out
    table = {line.split()[0]: line.split()[1:] for line in result.out.splitlines()[2:]}
    assert table["statement"] == ["4", "0", "0"]
    assert table["quotation"] == ["2", "0", "0"]


def test_matched_object_is_replaced_and_omitted_fields_return_to_default(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    stamp = Statement.objects.get(key="lo-answer").updated
    lo_day_stamp = Statement.objects.get(key="lo-day").updated
    replacement = (
        '{"type": "organisation", "key": "lo", "name": "LO"}\n'
        '{"type": "topic", "key": "trafficking", "name": "Trafficking", '
        '"aliases": ["human trafficking", "THB"]}\n'
        '{"type": "statement", "key": "lo-answer", "organisation": "lo", "title": "Answer", '
        '"text": "LO is very concerned about THB.\\n\\nFrom the chapter \'Poverty\':\\n\\n'
        "'The labour movement fights poverty.\\n\\nLO will fight child labour.'\\n\\n"
        'Solidarity knows no borders.", "topics": ["trafficking"]}\n'
        '{"type": "statement", "key": "lo-day", "organisation": "lo", "title": "Press release '
        'of a day", "text": "Dated to the day.", "kind": "press_release", "date": "2012-03-04", '
        '"mentions": ["ituc"]}\n'
    )
    result = import_text(tmp_path, replacement, name="replacement.jsonl")
    assert result.status == 0, result.err
    lo = Organisation.objects.get(key="lo")
    assert (lo.short_name, lo.native_name, lo.country, lo.kind, lo.website, lo.description) == (
        "",
        "",
        "",
        "other",
        "",
        "",
    )
    answer = Statement.objects.get(key="lo-answer")
    assert answer.kind == "other" and answer.addressed_to is None and answer.summary == ""
    assert [t.key for t in answer.topics.all()] == ["trafficking"]
    assert not answer.mentions.exists()
    assert answer.updated > stamp
    # Only the mention changed: the statement counts as updated and its timestamp says so.
    day = Statement.objects.get(key="lo-day")
    assert [o.key for o in day.mentions.all()] == ["ituc"]
    assert day.updated > lo_day_stamp
    trafficking = Topic.objects.get(key="trafficking")
    assert list(trafficking.aliases.values_list("name", flat=True)) == ["human trafficking", "THB"]
    assert trafficking.parent is None
    # The pairs with child-labour and forced-labour are declared on their lines, which this
    # file does not hold: they stay.
    assert {t.key for t in trafficking.related.all()} == {"child-labour", "forced-labour"}
    table = {line.split()[0]: line.split()[1:] for line in result.out.splitlines()[2:]}
    assert table == {
        "organisation": ["0", "1", "0"],
        "topic": ["0", "1", "0"],
        "statement": ["0", "2", "0"],
    }


def test_related_pairs_belong_to_the_lines_that_declare_them(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    # child-labour's line now declares only forced-labour: its pair with trafficking goes.
    line = (
        '{"type": "topic", "key": "child-labour", "name": "Child labour", '
        '"parent": "human-rights", "aliases": ["child labor"], "related": ["forced-labour"]}\n'
    )
    result = import_text(tmp_path, line, name="child.jsonl")
    assert result.status == 0, result.err
    assert {t.key for t in Topic.objects.get(key="child-labour").related.all()} == {"forced-labour"}
    assert {t.key for t in Topic.objects.get(key="trafficking").related.all()} == {"forced-labour"}
    assert Alias.objects.filter(topic__key="child-labour").count() == 1


def test_demo_archive_imports_and_round_trips(tmp_path):
    text = DEMO.read_text(encoding="utf-8")
    exported = round_trip(tmp_path, text)
    assert {*exported.splitlines()} and canonical_objects(exported) == canonical_objects(text)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("corpus", "statements"),
    [("upr-recommendations.jsonl.gz", 400), ("ungd-speeches.jsonl.gz", 25)],
)
def test_corpus_slice_round_trips(tmp_path, corpus, statements):
    text = corpus_slice(corpus, statements)
    exported = round_trip(tmp_path, text)
    assert canonical_objects(exported) == canonical_objects(text)
    assert exported.count('"type": "statement"') == statements


def test_gzip_export_holds_the_same_bytes(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    target = tmp_path / "out.jsonl.gz"
    export_text("-o", str(target))
    assert gzip.decompress(target.read_bytes()).decode("utf-8") == CANONICAL
    plain = tmp_path / "out.jsonl"
    export_text("-o", str(plain))
    assert plain.read_bytes() == CANONICAL.encode("utf-8")


def test_published_only_leaves_out_drafts(tmp_path):
    assert import_text(tmp_path, CANONICAL).status == 0
    exported = export_text("--published-only")
    assert '"lo-draft"' not in exported
    assert exported == "".join(
        line + "\n" for line in CANONICAL.splitlines() if '"key": "lo-draft"' not in line
    )


def test_x_fields_are_neither_stored_nor_exported(tmp_path):
    text = '{"type": "organisation", "key": "lo", "name": "LO", "x-source": "seed", "x-n": 1.5}\n'
    result = import_text(tmp_path, text)
    assert result.status == 0, result.err
    assert export_text() == '{"type": "organisation", "key": "lo", "name": "LO"}\n'


def test_gzip_input(tmp_path):
    result = import_text(tmp_path, CANONICAL, name="archive.jsonl.gz")
    assert result.status == 0, result.err
    assert export_text() == CANONICAL
