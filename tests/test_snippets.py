"""Search snippets: they start and end at word boundaries, say "…" where a paragraph is cut,
name each paragraph once, and show whole sentences when those are short enough.

Each check reads the snippet back as plain text and finds it in the stored text, so what is
expected (where it starts, whether it was cut) comes from the text, not from the code."""

import html
import re

import pytest

from statements.models import Organisation, Statement
from statements.search import compile, service

pytestmark = pytest.mark.django_db

FILLER_WORDS = [
    "delegations",
    "considered",
    "several",
    "overlapping",
    "budgetary",
    "arrangements",
    "concerning",
    "regional",
    "cooperation",
    "mechanisms",
    "without",
    "reaching",
    "conclusions",
]


@pytest.fixture(autouse=True)
def _fresh_search_configs():
    compile.forget_configs()
    yield
    compile.forget_configs()


@pytest.fixture
def un():
    return Organisation.objects.create(key="un", name="United Nations", kind="other")


def speech(un, key, text, title="A speech"):
    return Statement.objects.create(
        key=key, title=title, text=text, organisation=un, status="published"
    )


def plain(snippet):
    return html.unescape(re.sub(r"<[^>]+>", "", str(snippet.html)))


def located(snippet, text):
    """The paragraph of a snippet and the (start, end) of each of its passages in it (a
    snippet joins the passages of one paragraph with " … ")."""
    shown = plain(snippet)
    paragraph = text.split("\n\n")[snippet.paragraph - 1]
    spans, at = [], 0
    for part in shown.removeprefix("… ").removesuffix(" …").split(" … "):
        start = paragraph.find(part, at)
        assert start >= 0, (part, paragraph[:200])
        spans.append((start, start + len(part)))
        at = start + len(part)
    return paragraph, spans


def assert_whole_words_and_marked_cuts(snippet, text):
    paragraph, spans = located(snippet, text)
    for start, end in spans:
        assert start == 0 or not paragraph[start - 1].isalnum(), paragraph[start - 9 : start + 9]
        assert end == len(paragraph) or not paragraph[end].isalnum(), paragraph[end - 9 : end + 9]
    shown = plain(snippet)
    assert shown.startswith("… ") == (spans[0][0] > 0)
    assert shown.endswith(" …") == (spans[-1][1] < len(paragraph))
    assert shown.count(" … ") == len(spans) - 1


def long_run(words, seed):
    """A long stretch of words with no sentence end in it."""
    return " ".join(FILLER_WORDS[(i * seed) % len(FILLER_WORDS)] for i in range(words))


def test_a_cut_passage_starts_and_ends_on_whole_words_with_ellipses(un):
    paragraph = f"{long_run(120, 3)} the seafarers asked for shore leave {long_run(120, 7)}"
    text = f"Opening words.\n\n{paragraph}"
    speech(un, "cut", text)
    [snippet] = service.search_archive("seafarers").positions[0].snippets
    assert snippet.paragraph == 2
    assert_whole_words_and_marked_cuts(snippet, text)
    shown = plain(snippet)
    assert shown.startswith("… ") and shown.endswith(" …")
    assert "<mark>seafarers</mark>" in str(snippet.html)


def test_a_long_text_cut_in_a_window_still_starts_on_a_whole_word(un):
    # Over 4,000 characters: the headline reads a window of the text cut at a fixed number of
    # characters, which can fall inside a word.
    paragraph = f"{long_run(400, 5)} the seafarers asked for shore leave {long_run(400, 3)}"
    text = f"Opening words.\n\n{paragraph}"
    assert len(text) > 4_000
    speech(un, "window", text)
    for snippet in service.search_archive("seafarers").positions[0].snippets:
        assert_whole_words_and_marked_cuts(snippet, text)


def test_whole_sentences_are_preferred(un):
    sentences = [
        "The session opened late.",
        "Delegations spoke about debt relief for the poorest countries.",
        "Several of them asked for shore leave for seafarers stranded at sea.",
        "Others spoke of the climate.",
        "The President closed the debate.",
    ]
    text = " ".join(sentences * 6)  # one paragraph, longer than a snippet
    speech(un, "sentences", text)
    [snippet] = service.search_archive("stranded").positions[0].snippets
    paragraph, [(start, end)] = located(snippet, text)
    # It begins where a sentence begins and ends where one ends.
    assert paragraph[start:].startswith(tuple(sentences))
    assert paragraph[:end].endswith(tuple(sentences))
    assert_whole_words_and_marked_cuts(snippet, text)


def test_a_short_paragraph_is_shown_whole_without_ellipses(un):
    text = "First paragraph.\n\nSeafarers need shore leave.\n\nLast paragraph."
    speech(un, "short", text)
    [snippet] = service.search_archive("seafarers").positions[0].snippets
    assert plain(snippet) == "Seafarers need shore leave."
    assert snippet.paragraph == 2


def test_a_paragraph_is_named_once(client, un):
    # Two matches far apart in one paragraph: two fragments of the headline, one passage.
    paragraph = (
        f"Shore leave matters. {long_run(150, 3)} and once more shore leave for crews. "
        f"{long_run(150, 7)}"
    )
    text = f"{paragraph}\n\nAnother paragraph without it."
    speech(un, "twice", text)
    snippets = service.search_archive("shore leave").positions[0].snippets
    numbers = [s.paragraph for s in snippets]
    assert numbers == [1]
    page = client.get("/search/", {"q": "shore leave"}).content.decode()
    assert page.count('href="/statements/twice/#p1"') == 1
    assert page.count("¶1") == 1
    # Both places are shown, cut between them.
    shown = plain(snippets[0])
    assert shown.count("hore leave") == 2 and " … " in shown


def test_passages_of_several_paragraphs_each_name_their_own(client, un):
    text = "Seafarers first.\n\nNothing here.\n\nSeafarers again."
    speech(un, "several", text)
    numbers = [s.paragraph for s in service.search_archive("seafarers").positions[0].snippets]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) <= {1, 3}


def test_a_quoted_phrase_is_marked_whole(un):
    text = (
        "We have made progress on trade. "
        f"{long_run(80, 3)}. We regret that we have not made progress on debt."
    )
    speech(un, "quoted", text)
    snippets = service.search_archive('"that we have not made progress"').positions[0].snippets
    assert "<mark>that we have not made progress</mark>" in str(snippets[0].html)
    assert_whole_words_and_marked_cuts(snippets[0], text)


def test_snippets_stay_escaped(un):
    text = "Wages < profits & <script>alert(2)</script> at the quarry, said the seafarers."
    speech(un, "escaped", text)
    [snippet] = service.search_archive("seafarers").positions[0].snippets
    # (PostgreSQL's headline leaves tags out; the snippet is still placed in its paragraph.)
    assert "<script>" not in str(snippet.html) and "Wages &lt; profits &amp;" in str(snippet.html)
    assert snippet.paragraph == 1
