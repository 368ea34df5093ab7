"""Bad input: each error names the line, the field and what is wrong, and nothing from the
file is written (every table is counted before and after)."""

import io

import pytest
from django.db import connection

from statements.interchange.importer import Writer
from statements.interchange.progress import BarProgress, LineProgress
from statements.interchange.reader import type_and_key
from statements.models import Affiliation, Alias, Organisation, Quotation, Statement

from .test_interchange_support import counts, import_text, run, write

pytestmark = pytest.mark.django_db

# An archive already in the database, so that references and cycles can involve it.
BASE = """\
{"type": "organisation", "key": "lo", "name": "LO", "country": "NO"}
{"type": "organisation", "key": "ituc", "name": "ITUC"}
{"type": "topic", "key": "rights", "name": "Rights"}
{"type": "topic", "key": "labour", "name": "Labour", "parent": "rights"}
"""
BASE += (
    '{"type": "statement", "key": "answer", "organisation": "lo", "title": "Answer", '
    '"text": "LO is concerned.\\n\\nLO acts."}\n'
)

# Valid lines put before and after each bad one, so that a bad line stops a file that would
# otherwise write something.
GOOD_BEFORE = '{"type": "organisation", "key": "kom", "name": "KOM"}\n'
GOOD_AFTER = '{"type": "topic", "key": "poverty", "name": "Poverty"}\n'

ORG = '{"type": "organisation", "key": "x", "name": "X"'
STATEMENT = '{"type": "statement", "key": "s", "organisation": "lo", "title": "T", "text": "Text."'
CONGRESS = '{"type": "congress", "key": "c", "organisation": "lo", "name": "C", "year": 2009'
AFFILIATION = '{"type": "affiliation", "organisation": "lo", "relation": "member_of"'

# (id, bad line as bytes or text, field named or None, words the reason must hold)
CASES = [
    ("malformed-json", ORG, None, "is not valid JSON"),
    ("trailing-comma", ORG + ",}", None, "is not valid JSON"),
    ("blank-line", "   ", None, "is blank"),
    ("not-an-object", '["organisation", "x"]', None, "must be a JSON object, not a list"),
    ("unknown-type", '{"type": "person", "key": "x"}', "type", "'person' is not a known type"),
    ("missing-type", '{"key": "x", "name": "X"}', "type", "is missing"),
    ("unknown-field", ORG + ', "nmae": "X"}', "nmae", "did you mean 'name'"),
    (
        "wrong-json-type",
        '{"type": "organisation", "key": "x", "name": 5}',
        "name",
        "must be a string, not an integer (5)",
    ),
    (
        "boolean-year",
        CONGRESS.replace("2009", "true") + "}",
        "year",
        "must be an integer year, not a boolean (true)",
    ),
    ("float-year", CONGRESS.replace("2009", "2009.0") + "}", "year", "not a float (2009.0)"),
    ("nan-year", AFFILIATION + ', "target": "ituc", "since": NaN}', "since", "NaN"),
    ("infinity-year", AFFILIATION + ', "target": "ituc", "until": Infinity}', "until", "Infinity"),
    ("year-out-of-range", CONGRESS.replace("2009", "1799") + "}", "year", "between 1800 and 2100"),
    (
        "boolean-list",
        STATEMENT + ', "topics": true}',
        "topics",
        "must be a list of strings, not a boolean (true)",
    ),
    (
        "number-in-list",
        STATEMENT + ', "topics": ["rights", 3]}',
        "topics",
        "item 2 must be a string, not an integer (3)",
    ),
    ("missing-required-key", '{"type": "organisation", "name": "X"}', "key", "is required"),
    (
        "empty-required-string",
        '{"type": "organisation", "key": "x", "name": ""}',
        "name",
        "must not be empty",
    ),
    (
        "blank-required-text",
        STATEMENT.replace('"Text."', '" \\n\\n "') + "}",
        "text",
        "must not be empty",
    ),
    (
        "bad-key-format",
        '{"type": "organisation", "key": "Bad_Key", "name": "X"}',
        "key",
        "'Bad_Key' is not a valid key",
    ),
    (
        "key-ending-in-a-newline",  # once a traceback from the database's check
        '{"type": "organisation", "key": "x\\n", "name": "X"}',
        "key",
        "is not a valid key",
    ),
    (
        "date-ending-in-a-newline",
        STATEMENT + ', "date": "2009\\n"}',
        "date",
        "is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    (
        "key-too-long",
        '{"type": "organisation", "key": "' + "a" * 101 + '", "name": "X"}',
        "key",
        "at most 100 characters",
    ),
    (
        "dangling-reference",
        STATEMENT.replace('"lo"', '"nobody"') + "}",
        "organisation",
        "refers to organisation 'nobody', which is neither in this file nor in the archive",
    ),
    (
        "dangling-list-reference",
        STATEMENT + ', "topics": ["rights", "nowhere"]}',
        "topics",
        "refers to topic 'nowhere'",
    ),
    (
        "impossible-date",
        STATEMENT + ', "date": "2009-02-30"}',
        "date",
        "not a date in the calendar",
    ),
    ("malformed-date", STATEMENT + ', "date": "2009/02"}', "date", "YYYY, YYYY-MM or YYYY-MM-DD"),
    (
        "partial-congress-date",
        CONGRESS + ', "start_date": "2009-05"}',
        "start_date",
        "not a full date of the form YYYY-MM-DD",
    ),
    (
        "end-before-start",
        CONGRESS + ', "start_date": "2009-05-11", "end_date": "2009-05-10"}',
        "end_date",
        "2009-05-10 is before start_date (2009-05-11)",
    ),
    (
        "until-before-since",
        AFFILIATION + ', "target": "ituc", "since": 2010, "until": 2009}',
        "until",
        "2009 is before since (2010)",
    ),
    (
        "duplicate-member-name",
        '{"type": "organisation", "key": "x", "name": "X", "name": "Y"}',
        "name",
        "appears twice in the same object",
    ),
    (
        "self-affiliation",
        AFFILIATION + ', "target": "lo"}',
        "target",
        "cannot be affiliated with itself",
    ),
    (
        "topic-related-to-itself",
        '{"type": "topic", "key": "t", "name": "T", "related": ["t"]}',
        "related",
        "cannot be related to itself",
    ),
    (
        "topic-own-parent",
        '{"type": "topic", "key": "t", "name": "T", "parent": "t"}',
        "parent",
        "makes a cycle of topic parents: t → t",
    ),
    (
        "cycle-with-the-archive",
        '{"type": "topic", "key": "rights", "name": "R", "parent": "labour"}',
        "parent",
        "makes a cycle of topic parents: rights → labour → rights",
    ),
    (
        "excerpt-not-in-archive-statement",
        '{"type": "quotation", "statement": "answer", "resolution": "r", "excerpt": "LO waits."}',
        "excerpt",
        "does not occur word for word in the text of statement 'answer'",
    ),
    (
        "escaped-nul",
        '{"type": "organisation", "key": "x", "name": "X\\u0000"}',
        "name",
        "contains a NUL character",
    ),
    ("raw-nul", b'{"type": "organisation", "key": "x", "name": "X\x00"}', None, "NUL byte"),
    (
        "unpaired-surrogate",
        '{"type": "organisation", "key": "x", "name": "X\\ud800"}',
        "name",
        "unpaired surrogate",
    ),
    (
        "latin-1-bytes",
        '{"type": "organisation", "key": "x", "name": "Tromsø"}'.encode("latin-1"),
        None,
        "is not valid UTF-8 (byte 0xf8",
    ),
    ("bad-country", ORG + ', "country": "XX"}', "country", "XX is not an ISO 3166-1 alpha-2"),
    ("lower-case-country", ORG + ', "country": "no"}', "country", "no is not an ISO 3166-1"),
    (
        "bad-language",
        STATEMENT + ', "language": "english"}',
        "language",
        "english is not an ISO 639-1 language code",
    ),
    (
        "bad-enumeration",
        ORG + ', "kind": "union"}',
        "kind",
        "'union' is not one of: trade_union_confederation",
    ),
    (
        "empty-optional-reference",
        STATEMENT + ', "addressed_to": ""}',
        "addressed_to",
        "must not be an empty string: leave the field out, or give null",
    ),
    ("bad-status", STATEMENT + ', "status": "hidden"}', "status", "'hidden' is not one of"),
    ("byte-order-mark", "\ufeff" + ORG + "}", None, "byte order mark"),
]


@pytest.fixture
def archive(tmp_path):
    result = import_text(tmp_path, BASE, name="base.jsonl")
    assert result.status == 0, result.err
    return counts()


def problem_lines(result):
    return [line for line in result.err.splitlines() if ": line " in line]


@pytest.mark.parametrize(
    ("bad", "field", "reason"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_line_is_reported_and_nothing_written(tmp_path, archive, bad, field, reason):
    bad = bad.encode("utf-8") if isinstance(bad, str) else bad
    data = GOOD_BEFORE.encode() + bad + b"\n" + GOOD_AFTER.encode()
    if b"quotation" in bad:
        data = (
            b'{"type": "congress", "key": "c", "organisation": "lo", "name": "C", "year": 2009}\n'
        )
        data += b'{"type": "resolution", "key": "r", "congress": "c", "title": "R", "text": "T."}\n'
        data += bad + b"\n"
        line = 3
    else:
        line = 2
    result = run("import_archive", str(write(tmp_path, data, "bad.jsonl")))
    assert result.status == 1
    where = f"line {line}, field {field!r}: " if field else f"line {line}: "
    [problem] = problem_lines(result)
    assert where in problem, result.err
    assert reason in problem, result.err
    assert "nothing from this file was written" in result.err
    assert counts() == archive


def test_duplicate_key_names_both_lines(tmp_path, archive):
    text = GOOD_BEFORE + GOOD_AFTER + '{"type": "organisation", "key": "kom", "name": "Again"}\n'
    result = import_text(tmp_path, text)
    assert result.status == 1
    assert (
        "line 3, field 'key': 'kom' is already the key of the organisation on line 1" in result.err
    )
    assert counts() == archive


def test_same_key_for_two_types_is_fine(tmp_path, archive):
    text = GOOD_BEFORE + '{"type": "topic", "key": "kom", "name": "KOM as a topic"}\n'
    assert import_text(tmp_path, text).status == 0


def test_parent_cycle_within_the_file(tmp_path, archive):
    text = (
        '{"type": "organisation", "key": "a", "name": "A", "parent": "b"}\n'
        '{"type": "organisation", "key": "b", "name": "B", "parent": "c"}\n'
        '{"type": "organisation", "key": "c", "name": "C", "parent": "a"}\n'
    )
    result = import_text(tmp_path, text)
    assert result.status == 1
    [problem] = problem_lines(result)
    assert "line 1, field 'parent': makes a cycle of organisation parents: a → b → c → a" in problem
    assert counts() == archive


def test_excerpt_must_occur_in_the_statement_of_the_same_file(tmp_path, archive):
    text = (
        '{"type": "congress", "key": "c", "organisation": "lo", "name": "C", "year": 2009}\n'
        '{"type": "resolution", "key": "r", "congress": "c", "title": "R", "text": "We act."}\n'
        '{"type": "statement", "key": "s", "organisation": "lo", "title": "S", '
        '"text": "They said:\\r\\n\\r\\n\\r\\nWe act.  "}\n'
        '{"type": "quotation", "statement": "s", "resolution": "r", "excerpt": "We act."}\n'
        '{"type": "quotation", "statement": "s", "resolution": "r", "excerpt": "We wait."}\n'
    )
    result = import_text(tmp_path, text)
    [problem] = problem_lines(result)
    assert "line 5, field 'excerpt': does not occur word for word" in problem
    # Normalised texts match: with the bad line gone, the file imports.
    fixed = "\n".join(text.splitlines()[:4]) + "\n"
    assert import_text(tmp_path, fixed).status == 0


def test_replacing_a_text_must_keep_the_passages_quoted_from_it(tmp_path, archive):
    text = (
        '{"type": "congress", "key": "c", "organisation": "lo", "name": "C", "year": 2009}\n'
        '{"type": "resolution", "key": "r", "congress": "c", "title": "R", "text": "LO acts."}\n'
        '{"type": "quotation", "statement": "answer", "resolution": "r", "excerpt": "LO acts."}\n'
    )
    assert import_text(tmp_path, text).status == 0
    before = counts()
    new_text = (
        '{"type": "statement", "key": "answer", "organisation": "lo", "title": "Answer", '
        '"text": "LO is concerned."}\n'
    )
    result = import_text(tmp_path, new_text, name="new.jsonl")
    assert result.status == 1
    [problem] = problem_lines(result)
    assert "line 1, field 'text': no longer contains the passage that" in problem
    assert counts() == before


def test_every_problem_is_reported_together(tmp_path, archive):
    text = (
        ORG
        + ', "kind": "union"}\n'  # 1
        + GOOD_AFTER  # 2
        + '{"type": "organisation", "key": "y", "name": "Y", "nmae": "Y", "country": "XX"}\n'  # 3
        + "{oops\n"  # 4
        + STATEMENT.replace('"lo"', '"nobody"').replace('"s"', '"s2"')
        + "}\n"  # 5
    )
    result = import_text(tmp_path, text)
    assert result.status == 1
    problems = problem_lines(result)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "line 1, field 'kind'",
        "line 3, field 'nmae'",
        "line 3, field 'country'",
        "line 4",
        "line 5, field 'organisation'",
    ]
    assert "5 problems found" in result.err
    assert counts() == archive


def test_problems_are_capped_with_a_count_of_the_rest(tmp_path, archive):
    text = "".join(f'{{"type": "organisation", "key": "o{i}", "name": 1}}\n' for i in range(150))
    result = import_text(tmp_path, text)
    assert result.status == 1
    assert len(problem_lines(result)) == 100
    assert "150 problems found" in result.err
    assert "… and 50 more problems not shown" in result.err
    assert counts() == archive


def test_dry_run_checks_against_the_archive_and_writes_nothing(tmp_path, archive):
    text = GOOD_BEFORE + STATEMENT + ', "topics": ["labour"]}\n'
    result = import_text(tmp_path, text, "--dry-run")
    assert result.status == 0, result.err
    assert "2 objects checked, all valid (dry run: nothing written)" in result.out
    assert counts() == archive
    bad = import_text(tmp_path, text.replace('"labour"', '"nowhere"'), "--dry-run")
    assert bad.status == 1
    assert "line 2, field 'topics': refers to topic 'nowhere'" in bad.err
    assert counts() == archive


def test_a_dry_run_of_several_files_sees_the_earlier_ones_and_writes_nothing(tmp_path, archive):
    # The real import of a then b accepts b's reference to a's organisation: so must the dry run.
    first = write(tmp_path, GOOD_BEFORE, "a.jsonl")
    second = write(tmp_path, STATEMENT.replace('"lo"', '"kom"') + "}\n", "b.jsonl")
    result = run("import_archive", "--dry-run", str(first), str(second))
    assert result.status == 0, result.err
    assert "b.jsonl: 1 object checked, all valid (dry run: nothing written)" in result.out
    assert counts() == archive
    # A reference to nothing is still refused, and still nothing is written.
    third = write(tmp_path, STATEMENT.replace('"lo"', '"nobody"') + "}\n", "c.jsonl")
    bad = run("import_archive", "--dry-run", str(first), str(third))
    assert bad.status == 1 and "refers to organisation 'nobody'" in bad.err
    assert counts() == archive
    assert run("import_archive", str(first), str(second)).status == 0


def test_empty_file_imports_nothing_without_error(tmp_path, archive):
    result = import_text(tmp_path, "")
    assert result.status == 0, result.err
    assert "no objects; nothing to import" in result.out
    assert counts() == archive


def test_missing_file_and_broken_gzip_are_clear_errors(tmp_path, archive):
    missing = run("import_archive", str(tmp_path / "nowhere.jsonl"))
    assert missing.status == 1 and "cannot open" in missing.err
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_bytes(b'{"type": "organisation"}\n')
    broken = run("import_archive", str(fake))
    assert broken.status == 1 and "is not a readable gzip file" in broken.err
    assert counts() == archive


def test_each_file_is_its_own_transaction(tmp_path, archive):
    good = write(tmp_path, GOOD_BEFORE, "good.jsonl")
    bad = write(tmp_path, GOOD_AFTER + "{bad\n", "bad.jsonl")
    result = run("import_archive", str(good), str(bad))
    assert result.status == 1
    assert "1 of 2 files not imported" in result.err
    assert Organisation.objects.filter(key="kom").exists()
    assert counts()["statements_topic"] == archive["statements_topic"]


def test_final_newline_is_optional_but_a_trailing_blank_line_is_not(tmp_path, archive):
    assert import_text(tmp_path, GOOD_BEFORE.rstrip("\n")).status == 0
    result = import_text(tmp_path, GOOD_AFTER + "\n")
    assert result.status == 1 and "line 2: is blank" in result.err
    assert not Statement.objects.filter(key="poverty").exists()


def test_progress_is_plain_lines_off_a_terminal_and_a_bar_on_one():
    stream = io.StringIO()
    progress = LineProgress(stream, "big.jsonl", interval=0)
    progress.reading(2000)
    progress.read(1000, 12_000)
    progress.phase("writing 12,000 statement objects")
    assert stream.getvalue().splitlines()[0] == "big.jsonl: read 50% of the file, 12,000 lines"
    assert "big.jsonl: writing 12,000 statement objects…" in stream.getvalue()

    stream = io.StringIO()
    bar = BarProgress(stream, "big.jsonl")
    bar.reading(2000)
    bar.read(1000, 12_000)
    assert (bar.bar.n, bar.bar.total) == (1000, 2000)
    assert bar.bar.postfix == "12,000 lines"
    bar.phase("writing")
    bar.close()
    assert "reading big.jsonl" in stream.getvalue()
    assert "big.jsonl: writing…" in stream.getvalue()


def test_a_repeated_affiliation_or_quotation_is_one_and_the_last_line_wins(tmp_path, archive):
    # The format matches affiliations by (organisation, relation, target) and quotations by
    # (statement, resolution, excerpt): a repeat replaces the earlier line, as an import would.
    text = (
        AFFILIATION + ', "target": "ituc", "note": "first"}\n'
        + AFFILIATION + ', "target": "ituc", "since": 1990, "note": "second"}\n'
        + CONGRESS + "}\n"
        + '{"type": "resolution", "key": "r", "congress": "c", "title": "R", "text": "LO acts."}\n'
        + '{"type": "quotation", "statement": "answer", "resolution": "r", "excerpt": "LO acts."}\n'
        + '{"type": "quotation", "statement": "answer", "resolution": "r", "excerpt": "LO acts."}\n'
    )  # fmt: skip
    result = import_text(tmp_path, text)
    assert result.status == 0, result.err
    [affiliation] = Affiliation.objects.all()
    assert (affiliation.since, affiliation.note) == (1990, "second")
    assert Quotation.objects.count() == 1


# --- A rejected line and the lines that refer to it ------------------------------------------

# Lines 2-8 after a line 1 meant as organisation lo: ITUC, then six references to lo (a
# statement's author, addressee and mentions, an affiliation both ways, a congress), and one
# reference to an organisation that is nowhere.
REFERRING_TO_LO = [
    '{"type": "organisation", "key": "ituc", "name": "ITUC"}',
    '{"type": "statement", "key": "s1", "organisation": "lo", "title": "One", "text": "One."}',
    '{"type": "statement", "key": "s2", "organisation": "ituc", "title": "Two", "text": "Two.", '
    '"addressed_to": "lo"}',
    '{"type": "statement", "key": "s3", "organisation": "ituc", "title": "Three", '
    '"text": "Three.", "mentions": ["lo"]}',
    '{"type": "affiliation", "organisation": "lo", "relation": "member_of", "target": "ituc"}',
    '{"type": "affiliation", "organisation": "ituc", "relation": "partner_of", "target": "lo"}',
    '{"type": "congress", "key": "lo-2009", "organisation": "lo", "name": "LO Congress", '
    '"year": 2009}',
    '{"type": "statement", "key": "s4", "organisation": "nobody", "title": "Four", '
    '"text": "Four."}',
]
LO = '{"type": "organisation", "key": "lo", "name": "LO"'
NOWHERE = "refers to organisation 'nobody', which is neither in this file nor in the archive"


def with_lines_referring_to_lo(first):
    first = first.encode() if isinstance(first, str) else first
    return first + b"\n" + "".join(line + "\n" for line in REFERRING_TO_LO).encode()


@pytest.mark.parametrize(
    ("broken", "where", "reason"),
    [
        (LO + ",}", "line 1: ", "is not valid JSON"),
        (LO[:-3] + "Norwegian Confed", "line 1: ", "is not valid JSON"),
        (LO.encode() + b', "native_name": "Landsorganisasjonen i Norge \xe5"}', "line 1: ",
         "is not valid UTF-8"),
        (LO + ', "country": "XX"}', "line 1, field 'country': ", "XX is not an ISO 3166-1"),
        (LO.replace("organisation", "organisaton") + "}", "line 1, field 'type': ",
         "'organisaton' is not a known type"),
        (LO + ', "name": "LO again"}', "line 1, field 'name': ", "appears twice"),
    ],
    ids=["trailing-comma", "cut-off", "latin-1", "bad-country", "type-misspelt", "member-twice"],
)  # fmt: skip
def test_references_to_a_rejected_line_are_not_reported_again(tmp_path, broken, where, reason):
    before = counts()
    result = run("import_archive", str(write(tmp_path, with_lines_referring_to_lo(broken))))
    assert result.status == 1
    # The broken line's own error, and the reference to nowhere: not six errors saying that lo
    # is nowhere, when line 1 is lo.
    first, nowhere = problem_lines(result)
    assert where + reason in first or (where in first and reason in first), result.err
    assert f"line 9, field 'organisation': {NOWHERE}" in nowhere
    assert "2 problems found; nothing from this file was written" in result.err
    assert counts() == before
    # Mended, the file imports whole.
    mended = with_lines_referring_to_lo(LO + "}").replace(b'"nobody"', b'"lo"')
    assert run("import_archive", str(write(tmp_path, mended, "mended.jsonl"))).status == 0
    assert Statement.objects.filter(organisation__key="lo").count() == 2


def maybe_line_1(type_, key):
    return (
        f"refers to {type_} {key!r}, which is not in the archive nor on a readable line of this "
        "file: it may be the object of line 1, whose key could not be read"
    )


def test_references_that_may_mean_a_line_whose_key_cannot_be_read_say_so(tmp_path):
    # Nothing tells which object "{oops" meant: a reference that resolves nowhere may mean it,
    # or may be wrong itself. Each is reported, naming the line that may hold its object.
    before = counts()
    result = run("import_archive", str(write(tmp_path, with_lines_referring_to_lo("{oops"))))
    assert result.status == 1
    problems = problem_lines(result)
    assert "line 1: is not valid JSON" in problems[0]
    expected = [
        (3, "organisation", "lo"),
        (4, "addressed_to", "lo"),
        (5, "mentions", "lo"),
        (6, "organisation", "lo"),
        (7, "target", "lo"),
        (8, "organisation", "lo"),
        (9, "organisation", "nobody"),
    ]
    assert [p.split(": ", 1)[1] for p in problems[1:]] == [
        f"line {line}, field {name!r}: {maybe_line_1('organisation', key)}"
        for line, name, key in expected
    ]
    assert counts() == before


def test_a_line_of_a_known_type_without_a_key_may_only_be_meant_by_that_type(tmp_path):
    text = (
        '{"type": "organisation", "name": "LO"}\n'
        '{"type": "statement", "key": "s", "organisation": "lo", "title": "S", "text": "S.", '
        '"topics": ["poverty"]}\n'
        '{"type": "organisation", "name": 5}\n'
    )
    result = import_text(tmp_path, text)
    problems = [p.split(": ", 1)[1] for p in problem_lines(result)]
    assert problems == [
        "line 1, field 'key': is required for organisation",
        "line 2, field 'organisation': refers to organisation 'lo', which is not in the archive "
        "nor on a readable line of this file: it may be the object of one of lines 1 and 3, "
        "whose keys could not be read",
        "line 2, field 'topics': refers to topic 'poverty', which is neither in this file nor "
        "in the archive",
        "line 3, field 'key': is required for organisation",
        "line 3, field 'name': must be a string, not an integer (5)",
    ]


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (b'{"type": "organisation", "key": "lo",}', ("organisation", "lo")),
        (b'{"type": "organisation", "key": "lo", "name": "L', ("organisation", "lo")),
        # A text quoting a key is not the line's key; a nested object's members are not its.
        (b'{"type": "statement", "text": "\\"key\\": \\"lo\\"", "key": "s",', ("statement", "s")),
        (b'{"type": "topic", "x-old": {"key": "t"}}', ("topic", None)),
        (b'{"type": "topic", "key": "a", "key": "b"}', ("topic", None)),
        (b'{"type": "topic", "key": 5', ("topic", None)),
        (b'{"key": "lo", "type": "organisation"', ("organisation", "lo")),
        (b'["organisation", "lo"]', (None, None)),
        (b"{oops", (None, None)),
    ],
)
def test_what_a_broken_line_still_says_it_is(raw, read):
    assert type_and_key(raw) == read


# --- What the database refuses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "prefix"),
    [
        ('{{"type": "organisation", "key": "long", "name": "{}"}}', "name", ""),
        ('{{"type": "organisation", "key": "long", "name": "L", "native_name": "{}"}}',
         "native_name", ""),
        ('{{"type": "topic", "key": "long", "name": "{}"}}', "name", ""),
        ('{{"type": "topic", "key": "long", "name": "L", "aliases": ["a", "{}"]}}', "aliases",
         "item 2 "),
    ],
    ids=["organisation-name", "native-name", "topic-name", "alias"],
)  # fmt: skip
def test_a_name_over_the_limit_names_its_line_and_field(tmp_path, line, field, prefix):
    # Names are indexed (B-tree rows of about 2,700 bytes): the format caps them at 500
    # characters, which fit however they are written, and the admin refuses the same.
    lines = [f'{{"type": "organisation", "key": "o{i}", "name": "O {i}"}}' for i in range(5)]
    lines += [f'{{"type": "topic", "key": "t{i}", "name": "T {i}"}}' for i in range(5)]
    lines.insert(7, line.format("n" * 501))
    before = counts()
    for options in ([], ["--dry-run"]):
        result = run("import_archive", str(write(tmp_path, "\n".join(lines) + "\n")), *options)
        assert result.status == 1
        [problem] = problem_lines(result)
        assert problem.endswith(
            f"line 8, field {field!r}: {prefix}has 501 characters; a name has at most 500"
        ), problem
        assert "Traceback" not in result.err
        assert "nothing from this file was written" in result.err
        assert counts() == before


def test_a_name_at_the_limit_imports(tmp_path):
    name = "n" * 500
    lines = [
        f'{{"type": "organisation", "key": "long", "name": "{name}", "short_name": "{name}"}}',
        f'{{"type": "topic", "key": "long", "name": "{name}", "aliases": ["{name}"]}}',
    ]
    result = run("import_archive", str(write(tmp_path, "\n".join(lines) + "\n")))
    assert result.status == 0, result.err
    assert Organisation.objects.get(key="long").short_name == name
    assert Alias.objects.get(topic__key="long").name == name


@pytest.mark.parametrize("replacing", [False, True], ids=["new", "replacing"])
def test_a_constraint_the_validator_does_not_check_names_the_line_and_field(tmp_path, replacing):
    # A rule of the database's own (added here, inside the test's transaction), stricter than
    # the format: the import reports it as a problem of the line and field it refuses. New
    # statements are copied straight into their table, those replaced go through the upsert.
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {Statement._meta.db_table} ADD CONSTRAINT statement_title_not_draft "
            "CHECK (title NOT LIKE '%%DRAFT%%')"
        )
    lines = ['{"type": "organisation", "key": "lo", "name": "LO"}'] + [
        f'{{"type": "statement", "key": "s{i}", "organisation": "lo", "title": "T{i}", '
        f'"text": "Text {i}."}}'
        for i in range(12)
    ]
    if replacing:
        assert import_text(tmp_path, "\n".join(lines) + "\n").status == 0
    before = counts()
    lines[0] = lines[0].replace('"LO"', '"LO, renamed"')
    lines[9] = lines[9].replace('"T8"', '"T8 (DRAFT)"')
    result = import_text(tmp_path, "\n".join(lines) + "\n", name="refused.jsonl")
    assert result.status == 1
    [problem] = problem_lines(result)
    assert (
        "line 10, field 'title': the database refused it: new row for relation "
        f'"{Statement._meta.db_table}" violates check constraint "statement_title_not_draft"'
    ) in problem
    assert "Traceback" not in result.err
    # The organisation of line 1 was written before the statements, then rolled back.
    assert counts() == before
    assert Organisation.objects.filter(name="LO, renamed").exists() is False


def test_a_line_refused_with_an_earlier_one_is_named(tmp_path):
    # Two lines the database refuses only together (a unique index of its own, added here):
    # the later one is named, and the reason says with what.
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE UNIQUE INDEX statement_title_once ON {Statement._meta.db_table} (title)"
        )
    lines = ['{"type": "organisation", "key": "lo", "name": "LO"}'] + [
        f'{{"type": "statement", "key": "s{i}", "organisation": "lo", '
        f'"title": "{"Same" if i in (2, 8) else f"T{i}"}", "text": "Text {i}."}}'
        for i in range(12)
    ]
    before = counts()
    result = import_text(tmp_path, "\n".join(lines) + "\n")
    [problem] = problem_lines(result)
    assert problem.endswith(
        "line 10, field 'title': the database refused it: duplicate key value violates unique "
        'constraint "statement_title_once" (Key (title)=(Same) already exists), with an earlier '
        "statement line of this file"
    ), problem
    assert counts() == before


def test_the_database_failing_is_no_line_s_fault(tmp_path, archive, monkeypatch):
    # A query cancelled (as an administrator or a time limit cancels one) is not a refusal of
    # the data: no line is blamed, the command says the database failed, nothing is written.
    def cancelled(self, records):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(Writer, "write_topic", cancelled)
    result = import_text(tmp_path, GOOD_BEFORE + GOOD_AFTER)
    assert result.status == 1
    assert not problem_lines(result)
    assert "archive.jsonl: the database failed, nothing written: canceling statement" in (
        result.err
    )
    assert counts() == archive
