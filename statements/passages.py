"""Quoted passages: one place to normalise, find and cut them.

Text is normalised the way the importer does (`codes.normalise_text`), so a passage picked in
the admin, one ticked in document intake and one read from an interchange file are checked
against a statement's or resolution's text by the same rule."""

import re

from statements import codes

normalise = codes.normalise_text


class PassageError(ValueError):
    """A passage that cannot be cut; `field` names the form field that is at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def contains(text, passage):
    """Whether the passage, normalised, is found in the text, normalised."""
    passage = normalise(passage or "")
    return bool(passage) and passage in normalise(text or "")


def words_pattern(words):
    """The words in their order, whatever white space (a line break, two spaces) the text puts
    between them: what an editor types or a browser's one-line input keeps of a selection."""
    return re.compile(r"\s+".join(re.escape(word) for word in words.split()))


def cut(text, paragraph, begins, ends, to_paragraph=None):
    """The passage of `text` from paragraph `paragraph` (1-based) to `to_paragraph` (the same
    when None), starting with the words `begins` and ending with the words `ends`.

    `begins` is looked for in the first paragraph, `ends` in the last, after `begins` when
    both are one paragraph. Raises PassageError naming the field at fault."""
    paras = codes.paragraphs(normalise(text or ""))
    last = to_paragraph or paragraph
    if not 1 <= paragraph <= len(paras):
        raise PassageError("paragraph", f"The text has paragraphs 1 to {len(paras)}.")
    if not paragraph <= last <= len(paras):
        raise PassageError("to_paragraph", f"Choose a paragraph from {paragraph} to {len(paras)}.")
    begins, ends = " ".join((begins or "").split()), " ".join((ends or "").split())
    start = words_pattern(begins).search(paras[paragraph - 1]) if begins else None
    if start is None:
        raise PassageError("begins", f"Paragraph {paragraph} has no words “{begins}”.")
    chosen = "\n\n".join(paras[paragraph - 1 : last])
    offset = len(chosen) - len(paras[last - 1])
    end = words_pattern(ends).search(chosen, start.start() if last == paragraph else offset)
    if not ends or end is None:
        where = " after its beginning" if last == paragraph else ""
        raise PassageError("ends", f"Paragraph {last} has no words “{ends}”{where}.")
    return chosen[start.start() : end.end()]


def locate(text, passage):
    """(paragraph, to_paragraph, begins, ends) of a passage found in the text, or None: the
    span an existing quotation is shown with. begins and ends are six words each, or more
    where fewer would cut a different passage (words that occur earlier in the paragraph)."""
    text, passage = normalise(text or ""), normalise(passage or "")
    index = text.find(passage) if passage else -1
    if index < 0:
        return None
    paragraph = text[:index].count("\n\n") + 1
    to_paragraph = paragraph + passage.count("\n\n")
    first, last = passage.split("\n\n")[0].split(), passage.split("\n\n")[-1].split()
    count = 6
    while True:
        begins, ends = " ".join(first[:count]), " ".join(last[-count:])
        if count >= max(len(first), len(last)) or (
            cut(text, paragraph, begins, ends, to_paragraph) == passage
        ):
            return paragraph, to_paragraph, begins, ends
        count += 1
