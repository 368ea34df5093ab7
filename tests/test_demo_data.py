"""The demo data holds the founding document faithfully, in the interchange format's canonical
form, and imports into the archive with its full structure.

The seed is parsed here on its own terms (heading, addressee line, paragraphs, quoted passages),
independently of the app, and compared with demo/archive.jsonl."""

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from statements.models import (
    Affiliation,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
)

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "archive.jsonl"
# The founding document as it came to us, word for word (the seed the project started from).
SEED = ROOT / "demo" / "sources" / "lo-answer-bspc-thb.txt"

# The interchange format's table (docs/interchange.md), in its order, written out here so the
# test does not trust the exporter's own schema.
FIELDS = {
    "organisation": [
        "key", "name", "short_name", "native_name", "description", "website", "country", "kind",
        "parent",
    ],
    "affiliation": ["organisation", "relation", "target", "since", "until", "note"],
    "topic": ["key", "name", "description", "parent", "aliases", "related"],
    "congress": ["key", "organisation", "name", "year", "place", "start_date", "end_date"],
    "resolution": [
        "key", "congress", "title", "text", "kind", "section", "language", "topics", "source_url",
    ],
    "statement": [
        "key", "organisation", "title", "text", "kind", "addressed_to", "occasion", "date",
        "language", "summary", "source_url", "topics", "mentions", "status",
    ],
    "quotation": ["statement", "resolution", "excerpt"],
}  # fmt: skip
DEFAULTS = {"kind": "other", "language": "en", "status": "published"}
THB = "trafficking-in-human-beings"


# The seed, read independently -------------------------------------------------------------


def read_seed():
    blocks = [b.strip() for b in re.split(r"\n[ \t]*\n", SEED.read_text(encoding="utf-8").strip())]
    heading, addressee, *paragraphs = blocks
    title = re.fullmatch(r"#+\s*\*\*(.+)\*\*", heading).group(1).strip()
    # Quoted passages: from a paragraph opening with ' to the next one closing with '.
    passages, current = [], None
    for paragraph in paragraphs:
        if current is None and paragraph.startswith("'"):
            current = []
        if current is not None:
            current.append(paragraph)
            if paragraph.endswith("'"):
                passages.append("\n\n".join(current)[1:-1])
                current = None
    return {"title": title, "addressee": addressee, "paragraphs": paragraphs, "passages": passages}


def read_demo():
    lines = DEMO.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    return [json.loads(line) for line in lines[:-1]]


def demo_of(type_):
    return [obj for obj in read_demo() if obj["type"] == type_]


def one(type_, **match):
    (obj,) = [o for o in demo_of(type_) if all(o.get(k) == v for k, v in match.items())]
    return obj


# The file holds the seed -------------------------------------------------------------------


def test_the_seed_parses_as_expected():
    seed = read_seed()
    assert seed["title"] == "Answer from the Norwegian LO (Trade Union Congress)"
    assert seed["addressee"] == "BSPC Working Group on Civil Security"
    assert seed["paragraphs"][0].startswith("LO is very concerned about Trafficking")
    assert len(seed["paragraphs"]) == 10
    assert len(seed["passages"]) == 2


def test_the_statement_text_is_the_seed_paragraph_by_paragraph():
    seed = read_seed()
    statement = one("statement", key="lo-answer-bspc-thb")
    paragraphs = statement["text"].split("\n\n")
    assert len(paragraphs) == len(seed["paragraphs"])
    for number, (stored, original) in enumerate(
        zip(paragraphs, seed["paragraphs"], strict=True), 1
    ):
        assert stored == original, f"paragraph {number} differs"
    # Its typos are kept, and the quoted passages keep their quote marks.
    assert "laid down in in international conventions." in statement["text"]
    assert "in the greyzone between forced labour" in statement["text"]
    assert "\n\n'The labour movement plays" in statement["text"]


def test_the_statement_fields():
    seed = read_seed()
    statement = one("statement", key="lo-answer-bspc-thb")
    assert statement["title"] == seed["title"]
    assert statement["organisation"] == "lo"
    assert statement["kind"] == "answer"
    assert statement["addressed_to"] == "bspc-wg-civil-security"
    assert one("organisation", key="bspc-wg-civil-security")["name"] == seed["addressee"]
    assert "date" not in statement  # the document gives none
    assert statement.get("language", "en") == "en"
    assert statement.get("status", "published") == "published"
    assert "source_url" not in statement
    assert set(statement["mentions"]) >= {"ilo", "ituc", "united-nations", "kom"}
    assert THB in statement["topics"]


def test_the_two_quotations_are_the_quoted_passages():
    seed = read_seed()
    quotations = demo_of("quotation")
    assert [q["excerpt"] for q in quotations] == seed["passages"]
    statement = one("statement", key="lo-answer-bspc-thb")
    for quotation in quotations:
        assert quotation["statement"] == "lo-answer-bspc-thb"
        assert not quotation["excerpt"].startswith("'") and not quotation["excerpt"].endswith("'")
        assert f"'{quotation['excerpt']}'" in statement["text"]
    assert quotations[0]["excerpt"].count("\n\n") == 1  # the Poverty chapter spans two paragraphs
    assert quotations[0]["excerpt"].startswith("The labour movement plays an important role")
    assert quotations[1]["excerpt"].startswith("A capital market and an economic system")


def test_the_resolutions_hold_the_quoted_passages():
    seed = read_seed()
    poverty = one("resolution", key="lo-2009-action-plan-poverty")
    solidarity = one("resolution", key="lo-2009-statement-international-solidarity")
    assert (poverty["text"], solidarity["text"]) == tuple(seed["passages"])
    assert poverty["kind"] == "action_plan_chapter" and poverty["section"] == "Poverty"
    assert solidarity["kind"] == "statement"
    assert "international solidarity and decent global labour conditions" in solidarity["title"]
    for resolution in (poverty, solidarity):
        assert resolution["congress"] == "lo-congress-2009"
        assert "source_url" not in resolution  # we know of none; none is invented
        assert THB in resolution["topics"]
    quoted = {(q["resolution"], q["excerpt"]) for q in demo_of("quotation")}
    assert quoted == {(poverty["key"], poverty["text"]), (solidarity["key"], solidarity["text"])}
    assert one("congress", key="lo-congress-2009") == {
        "type": "congress", "key": "lo-congress-2009", "organisation": "lo",
        "name": "2009 LO Congress", "year": 2009,
    }  # fmt: skip


def test_the_organisations_and_their_ties():
    expected = {
        "lo": {"name": "Norwegian Confederation of Trade Unions", "short_name": "LO",
               "native_name": "Landsorganisasjonen i Norge", "country": "NO",
               "kind": "trade_union_confederation"},
        "bspc": {"name": "Baltic Sea Parliamentary Conference", "kind": "parliamentary_body"},
        "bspc-wg-civil-security": {"name": "BSPC Working Group on Civil Security",
                                   "parent": "bspc"},
        "ituc": {"name": "International Trade Union Confederation", "short_name": "ITUC"},
        "ilo": {"name": "International Labour Organization", "short_name": "ILO",
                "kind": "intergovernmental_organisation", "parent": "united-nations"},
        "united-nations": {"name": "United Nations", "short_name": "UN",
                           "kind": "intergovernmental_organisation"},
        "kom": {"name": "Norwegian Coordinating Unit for Victims of Human Trafficking",
                "short_name": "KOM", "country": "NO", "kind": "government"},
    }  # fmt: skip
    organisations = {o["key"]: o for o in demo_of("organisation")}
    assert set(organisations) == set(expected)
    for key, facts in expected.items():
        for field, value in facts.items():
            assert organisations[key].get(field) == value, (key, field)
    for international in ("bspc", "ituc", "ilo", "united-nations"):
        assert "country" not in organisations[international]
    ties = {(a["organisation"], a["relation"], a["target"]) for a in demo_of("affiliation")}
    assert ties == {
        ("lo", "member_of", "ituc"),
        ("lo", "represented_in", "ilo"),
        ("lo", "reference_group_member_of", "kom"),
    }


def test_the_topic_tree():
    topics = {t["key"]: t for t in demo_of("topic")}
    thb = topics[THB]
    assert thb["name"] == "Trafficking in human beings"
    assert {"THB", "human trafficking", "trafficking in persons"} <= set(thb["aliases"])
    # A tree of at least two levels, with no dangling parent.
    assert any("parent" in t for t in topics.values())
    assert all(t.get("parent") in topics for t in topics.values() if "parent" in t)
    roots = [t for t in topics.values() if "parent" not in t]
    assert roots and any(t.get("parent") == root["key"] for root in roots for t in topics.values())
    # What the document speaks of has a topic, found by name or alias.
    names = {
        word.casefold() for t in topics.values() for word in [t["name"], *t.get("aliases", [])]
    }
    for subject in [
        "forced labour", "forced labor", "slavery", "child labour", "child labor", "decent work",
        "poverty", "social dumping", "corruption", "good governance", "sex industry",
        "financial crisis", "human rights", "social dialogue", "tripartite cooperation",
        "international solidarity", "vulnerable groups",
    ]:  # fmt: skip
        assert subject in names, subject
    for topic in topics.values():
        assert topic.get("description"), topic["key"]
        for other in topic.get("related", []):
            assert other in topics and other > topic["key"], (topic["key"], other)


def test_every_reference_resolves_and_every_text_speaks_of_trafficking():
    keys = {t: {o["key"] for o in demo_of(t)} for t in ("organisation", "topic", "congress")}
    keys["resolution"] = {o["key"] for o in demo_of("resolution")}
    keys["statement"] = {o["key"] for o in demo_of("statement")}
    for obj in read_demo():
        for field, target in [
            ("organisation", "organisation"), ("target", "organisation"),
            ("addressed_to", "organisation"), ("congress", "congress"),
            ("statement", "statement"), ("resolution", "resolution"),
        ]:  # fmt: skip
            if field in obj and obj["type"] != field:
                assert obj[field] in keys[target], (obj["type"], field, obj[field])
        for field, target in [
            ("topics", "topic"),
            ("mentions", "organisation"),
            ("related", "topic"),
        ]:
            assert set(obj.get(field, [])) <= keys[target], (obj["type"], field)
    for text in demo_of("statement") + demo_of("resolution"):
        assert THB in text["topics"], text["key"]


# The file is in the exporter's canonical form ----------------------------------------------


def test_the_file_is_canonical():
    raw = DEMO.read_bytes().decode("utf-8")
    objects = read_demo()
    order = list(FIELDS)
    assert [o["type"] for o in objects] == sorted((o["type"] for o in objects), key=order.index)
    for line, obj in zip(raw.split("\n"), objects, strict=False):
        assert line == json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
        fields = list(obj)
        assert fields[0] == "type"
        assert fields[1:] == [f for f in FIELDS[obj["type"]] if f in obj], obj["type"]
        for field, value in obj.items():
            assert value not in (None, "", []), (obj["type"], field)
            assert DEFAULTS.get(field) != value, (obj["type"], field)
        for field in ("topics", "mentions", "related"):
            if field in obj:
                assert obj[field] == sorted(obj[field]), (obj["type"], field)
    for type_ in ("organisation", "topic", "congress", "resolution", "statement"):
        keys = [o["key"] for o in demo_of(type_)]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), type_
    ties = [(a["organisation"], a["relation"], a["target"]) for a in demo_of("affiliation")]
    assert ties == sorted(ties)
    quotes = [(q["statement"], q["resolution"], q["excerpt"]) for q in demo_of("quotation")]
    assert quotes == sorted(quotes)
    # Related pairs appear once, on the topic whose key sorts first.
    pairs = Counter(
        frozenset((t["key"], r)) for t in demo_of("topic") for r in t.get("related", [])
    )
    assert all(n == 1 for n in pairs.values())


# Importing it ------------------------------------------------------------------------------


@pytest.fixture
def imported(db):
    out = io.StringIO()
    call_command("import_archive", str(DEMO), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_creates_every_object(imported):
    counts = Counter(o["type"] for o in read_demo())
    assert Organisation.objects.count() == counts["organisation"] == 7
    assert Affiliation.objects.count() == counts["affiliation"] == 3
    assert Topic.objects.count() == counts["topic"]
    assert Congress.objects.count() == 1
    assert Resolution.objects.count() == 2
    assert Statement.objects.count() == 1
    assert Quotation.objects.count() == 2


def test_imported_statement_is_the_seed(imported):
    seed = read_seed()
    statement = Statement.objects.get(key="lo-answer-bspc-thb")
    assert statement.paragraphs == seed["paragraphs"]
    assert statement.title == seed["title"]
    assert statement.addressed_to.name == seed["addressee"]
    assert statement.addressed_to.parent.key == "bspc"
    assert statement.date is None and statement.date_precision == "" and statement.date_text == ""
    assert (statement.kind, statement.language, statement.status) == ("answer", "en", "published")
    assert statement.organisation.label == "LO"
    assert {o.key for o in statement.mentions.all()} >= {"ilo", "ituc", "united-nations", "kom"}


def test_imported_quotations_link_the_answer_to_the_2009_congress(imported):
    seed = read_seed()
    statement = Statement.objects.get(key="lo-answer-bspc-thb")
    quotations = sorted(
        statement.quotations.select_related("resolution__congress"), key=lambda q: q.pk
    )
    assert sorted(q.excerpt for q in quotations) == sorted(seed["passages"])
    for quotation in quotations:
        assert quotation.resolution.congress.name == "2009 LO Congress"
        assert quotation.resolution.congress.organisation.key == "lo"
        assert quotation.resolution.text == quotation.excerpt
    by_resolution = {q.resolution.key: q.paragraph_numbers for q in quotations}
    # The Poverty chapter is paragraphs 4-5 of the answer, the solidarity statement paragraph 7.
    assert by_resolution == {
        "lo-2009-action-plan-poverty": [4, 5],
        "lo-2009-statement-international-solidarity": [7],
    }


def test_all_positions_on_trafficking_by_lo(imported):
    thb = Topic.objects.get(key=THB)
    assert list(thb.aliases.values_list("name", flat=True))[:3] == [
        "THB", "human trafficking", "trafficking in persons",
    ]  # fmt: skip
    assert thb.parent is not None
    lo = Organisation.objects.get(key="lo")
    statements = Statement.objects.filter(topics=thb, organisation=lo)
    resolutions = Resolution.objects.filter(topics=thb, congress__organisation=lo)
    assert [s.key for s in statements] == ["lo-answer-bspc-thb"]
    assert sorted(r.key for r in resolutions) == [
        "lo-2009-action-plan-poverty",
        "lo-2009-statement-international-solidarity",
    ]
    ties = {(a.relation, a.target.key) for a in lo.affiliations.all()}
    assert ties == {
        ("member_of", "ituc"),
        ("represented_in", "ilo"),
        ("reference_group_member_of", "kom"),
    }
    assert Organisation.objects.get(key="ilo").parent.key == "united-nations"


def test_importing_again_changes_nothing(imported):
    before = Statement.objects.get().updated
    call_command("import_archive", str(DEMO), stdout=io.StringIO(), stderr=io.StringIO())
    assert Statement.objects.get().updated == before
    assert Quotation.objects.count() == 2 and Topic.objects.count() == len(demo_of("topic"))


def test_export_gives_the_file_back(imported):
    out = io.StringIO()
    call_command("export_archive", stdout=out)
    assert out.getvalue() == DEMO.read_text(encoding="utf-8")
