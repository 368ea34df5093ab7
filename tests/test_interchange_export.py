"""Partial exports, chosen with the positions view's filters: the chosen statements and
resolutions plus everything they refer to, so that the file imports into an empty archive."""

import json

import pytest

from .test_interchange_support import (
    CANONICAL,
    empty_archive,
    export_text,
    import_text,
    run,
)

pytestmark = pytest.mark.django_db

LINES = CANONICAL.splitlines(keepends=True)


def lines_of(*wanted):
    """The canonical archive's lines for objects named like "statement:lo-day"."""
    chosen = []
    for line in LINES:
        obj = json.loads(line)
        name = f"{obj['type']}:{obj.get('key') or obj.get('statement') or obj.get('organisation')}"
        if name in wanted or obj["type"] + ":*" in wanted:
            chosen.append(line)
    return "".join(chosen)


def keys(text, type_):
    return [json.loads(line)["key"] for line in text.splitlines() if f'"type": "{type_}"' in line]


@pytest.fixture
def archive(tmp_path):
    result = import_text(tmp_path, CANONICAL)
    assert result.status == 0, result.err


def imports_into_empty_archive(tmp_path, text):
    """The partial file imports into an empty archive (no dangling reference) and exports
    back to itself."""
    empty_archive()
    result = import_text(tmp_path, text, name="partial.jsonl")
    assert result.status == 0, result.err
    assert export_text() == text


def test_by_topic_takes_everything_its_positions_refer_to(tmp_path, archive):
    exported = export_text("--topic", "trafficking")
    # The answer (tagged trafficking) and the resolution tagged trafficking; through the
    # answer's quotations, the 2013 resolution too; through them, both congresses; every
    # organisation the answer names, with parents and LO's affiliations; the topics with
    # their parent and related topics. The three other statements are left out.
    everything_but = [
        line
        for line in LINES
        if not any(f'"key": "{k}"' in line for k in ("lo-day", "lo-draft", "lo-month"))
    ]
    assert exported == "".join(everything_but)
    imports_into_empty_archive(tmp_path, exported)


def test_parent_topic_includes_its_sub_topics(tmp_path, archive):
    exported = export_text("--topic", "human-rights")
    assert keys(exported, "statement") == ["lo-answer", "lo-month"]
    assert keys(exported, "resolution") == ["lo-2009-poverty", "lo-2013-solidarity"]
    imports_into_empty_archive(tmp_path, exported)


def test_by_organisation(tmp_path, archive):
    exported = export_text("--organisation", "ituc")
    assert exported == lines_of("organisation:ituc", "topic:human-rights", "statement:lo-month")
    imports_into_empty_archive(tmp_path, exported)


def test_resolution_belongs_to_its_congress_organisation_and_year(tmp_path, archive):
    exported = export_text("--organisation", "lo", "--type", "resolution", "--year-from", "2013")
    assert keys(exported, "resolution") == ["lo-2013-solidarity"]
    assert keys(exported, "statement") == []
    assert keys(exported, "congress") == ["lo-congress-2013"]
    imports_into_empty_archive(tmp_path, exported)


def test_by_years_leaves_out_undated_statements(tmp_path, archive):
    exported = export_text("--year-from", "2011", "--year-to", "2012")
    assert keys(exported, "statement") == ["lo-day", "lo-month"]
    assert keys(exported, "resolution") == []
    assert '"type": "quotation"' not in exported
    imports_into_empty_archive(tmp_path, exported)


def test_repeated_filter_values_are_ored(tmp_path, archive):
    exported = export_text("--kind", "press_release", "--kind", "position_paper")
    assert keys(exported, "statement") == ["lo-day", "lo-month"]
    imports_into_empty_archive(tmp_path, exported)


def test_drafts_are_included_unless_published_only(tmp_path, archive):
    assert "lo-draft" in keys(export_text("--organisation", "lo"), "statement")
    published = export_text("--organisation", "lo", "--published-only")
    assert keys(published, "statement") == ["lo-answer", "lo-day"]
    imports_into_empty_archive(tmp_path, published)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--topic", "nowhere", "--topic"),
        ("--year-from", "abc", "--year-from"),
        ("--type", "speech", "--type"),
        ("--country", "XX", "--country"),
    ],
)
def test_bad_filter_is_a_clear_error(archive, option, value, message):
    result = run("export_archive", option, value)
    assert result.status == 1
    assert "invalid filter" in result.err and message in result.err
    assert result.out == ""


def test_unwritable_output_is_a_clear_error(tmp_path, archive):
    result = run("export_archive", "-o", str(tmp_path / "missing" / "out.jsonl"))
    assert result.status == 1 and "cannot write" in result.err
