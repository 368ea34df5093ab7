import pytest

from statements import passages

TEXT = (
    "First paragraph here.\r\n\r\n\r\n"
    "We will work for this in the Nordic region.\n\nLast one, at the end."
)


def test_cut_one_paragraph_between_words():
    assert passages.cut(TEXT, 2, "work for", "Nordic") == "work for this in the Nordic"


def test_cut_across_paragraphs():
    expected = "We will work for this in the Nordic region.\n\nLast one"
    assert passages.cut(TEXT, 2, "We will", "Last one", to_paragraph=3) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((9, "x", "y"), "paragraph"),
        ((2, "Baltic", "region."), "begins"),
        ((2, "Nordic", "We will"), "ends"),
    ],
)
def test_cut_names_the_field_at_fault(args, field):
    with pytest.raises(passages.PassageError) as raised:
        passages.cut(TEXT, *args)
    assert raised.value.field == field


def test_contains_uses_the_importers_normalisation():
    assert passages.contains(TEXT, "paragraph here.\n\nWe will")
    assert not passages.contains(TEXT, "Baltic region")


def test_locate_gives_a_span_that_cuts_the_same_passage():
    passage = "in the Nordic region.\n\nLast one, at the end."
    span = passages.locate(TEXT, passage)
    assert span[:2] == (2, 3)
    assert passages.cut(TEXT, span[0], span[2], span[3], to_paragraph=span[1]) == passage


def test_cut_matches_words_across_line_breaks_and_spaces():
    text = "It is a crime that\nmust be fought,  and   it is.\n\nNext."
    assert passages.cut(text, 1, "crime that must", "fought, and") == (
        "crime that\nmust be fought,  and"
    )


@pytest.mark.parametrize(
    "passage",
    [
        # The last six words occur earlier in the passage: the span must reach beyond them.
        "one two three four five six and then one two three four five six",
        # The first six words occur earlier in the paragraph than the passage.
        "one two three four five six seven",
        "six",
    ],
)
def test_locate_cuts_back_the_same_passage_when_its_words_repeat(passage):
    text = f"Start: one two three four five six, then {passage}.\n\nEnd."
    span = passages.locate(text, passage)
    assert span is not None
    assert passages.cut(text, span[0], span[2], span[3], to_paragraph=span[1]) == passage
