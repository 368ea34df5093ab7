"""Document intake: an editor's uploaded answer (.txt, .md, .docx or .pdf) read into a draft
statement to review. `reading` turns each format into plain blocks (headings, paragraphs, block
quotes) through its maintained parser; `guesses` proposes, from those blocks and the archive,
the title, author, addressee, the organisations named, the quotations of resolutions and the
topics. Nothing is saved here: the admin's review form (statements/admin/intake.py) does that
once the editor has accepted or changed each guess."""

from .guesses import Draft, Guess, Passage, guess_draft
from .reading import FORMATS, DocumentError, read_document


def take_in(name, data):
    """The draft statement for the uploaded file `name` with bytes `data`; DocumentError
    says why a file cannot be read."""
    return guess_draft(read_document(name, data))


__all__ = ["FORMATS", "DocumentError", "Draft", "Guess", "Passage", "take_in"]
