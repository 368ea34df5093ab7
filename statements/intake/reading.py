"""Reading an uploaded document into plain blocks: headings, paragraphs and block quotes, in
order, each one paragraph of the archive's text. Each format is read by its maintained parser
(markdown-it-py, python-docx, pdfminer.six); what this module adds is only the mapping of their
elements to blocks, and a clear DocumentError for a file that cannot be read."""

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import docx
import docx.opc.exceptions
from markdown_it import MarkdownIt
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSException

from .. import codes

HEADING, PARAGRAPH, QUOTE = "heading", "paragraph", "quote"
FORMATS = {".txt": "plain text", ".md": "Markdown", ".docx": "Word", ".pdf": "PDF"}
# A PDF page's lines are read by pdfminer's layout analysis; past this many pages a document
# is not an answer or a position paper, and reading it would hold a worker for minutes.
PDF_MAX_PAGES = 500


class DocumentError(ValueError):
    """The file cannot be read as the document it claims to be; the message says why."""


@dataclass(frozen=True)
class Block:
    text: str
    role: str = PARAGRAPH


def read_document(name, data):
    """The blocks of the uploaded file `name` (its bytes `data`), read by its extension."""
    extension = PurePath(name).suffix.lower()
    if extension not in FORMATS:
        raise DocumentError(
            f"{PurePath(name).name} is not a document intake reads: upload a .txt, .md, .docx "
            "or .pdf file."
        )
    if not data:
        raise DocumentError(f"{PurePath(name).name} is empty (0 bytes).")
    reader = {".txt": read_text, ".md": read_markdown, ".docx": read_docx, ".pdf": read_pdf}
    blocks = [b for b in reader[extension](data) if b.text]
    if not blocks:
        raise DocumentError(f"{PurePath(name).name} holds no text.")
    return blocks


def check_not_other_format(data, expected):
    """A PDF or a Word file renamed .txt (or the other way round) is refused by name."""
    if data.startswith(b"%PDF-"):
        found = "a PDF"
    elif data.startswith(b"PK\x03\x04"):
        found = "a ZIP archive (a .docx?)"
    else:
        return
    raise DocumentError(f"The file's content is {found}, not {expected}: check its extension.")


def decode_text(data, expected):
    check_not_other_format(data, expected)
    try:
        # utf-8-sig: a byte-order mark that Windows editors write is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(
            f"The file is not {expected} in UTF-8: save it as UTF-8 text and upload it again."
        ) from None
    if "\x00" in text:
        raise DocumentError(f"The file holds binary data, not {expected}.")
    return text


# Plain text ----------------------------------------------------------------------------------

QUOTE_LINE_RE = re.compile(r"^[^\S\n]*>[^\S\n]?", re.MULTILINE)
HEADING_MARKS_RE = re.compile(r"^#{1,6}\s+")


def read_text(data):
    """Paragraphs separated by blank lines; a paragraph whose every line starts with '>' is
    a block quote, and one line starting with '#' a heading (the way plain text is written)."""
    text = codes.normalise_text(decode_text(data, "plain text"))
    for paragraph in codes.paragraphs(text):
        lines = paragraph.split("\n")
        if all(QUOTE_LINE_RE.match(line) for line in lines):
            yield Block(QUOTE_LINE_RE.sub("", paragraph).strip(), QUOTE)
        elif len(lines) == 1 and HEADING_MARKS_RE.match(paragraph):
            yield Block(strip_emphasis(HEADING_MARKS_RE.sub("", paragraph)), HEADING)
        else:
            yield Block(paragraph)


EMPHASIS_RE = re.compile(r"^(\*\*|__|\*|_)(.+)\1$")


def strip_emphasis(line):
    line = line.strip()
    while match := EMPHASIS_RE.match(line):
        line = match.group(2).strip()
    return line


# Markdown ------------------------------------------------------------------------------------

# CommonMark without raw HTML (a tag stays text) and without typographic quotes: the text is
# kept as written.
MARKDOWN = MarkdownIt("commonmark", {"html": False, "typographer": False})


def read_markdown(data):
    tokens = MARKDOWN.parse(decode_text(data, "Markdown"))
    quote_depth, heading = 0, False
    for token in tokens:
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            role = HEADING if heading else QUOTE if quote_depth else PARAGRAPH
            yield Block(inline_text(token).strip(), role)
        elif token.type in {"fence", "code_block"}:
            yield Block(token.content.strip(), QUOTE if quote_depth else PARAGRAPH)


def inline_text(token):
    """An inline token's text without its markup (emphasis, links), line breaks kept."""
    parts = []
    for child in token.children or []:
        if child.type in {"text", "code_inline", "html_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts)


# Word ----------------------------------------------------------------------------------------

QUOTE_STYLES = {"quote", "intense quote", "block text"}


def read_docx(data):
    if not data.startswith(b"PK\x03\x04"):
        check_not_other_format(data, "a Word document (.docx)")
        raise DocumentError(
            "The file is not a Word document (.docx): an older .doc, or another file renamed?"
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, docx.opc.exceptions.PackageNotFoundError):
        raise DocumentError("The file is not a readable Word document (.docx).") from None
    for paragraph in document.paragraphs:
        text = codes.normalise_text(paragraph.text)
        style = (paragraph.style.name if paragraph.style is not None else "").lower()
        if style == "title" or style.startswith("heading"):
            yield Block(text, HEADING)
        elif style in QUOTE_STYLES or is_indented(paragraph):
            yield Block(text, QUOTE)
        else:
            yield Block(text)


def is_indented(paragraph):
    """Indented on both sides: how a block quote is set when no Quote style is used."""
    layout = paragraph.paragraph_format
    left, right = layout.left_indent or 0, layout.right_indent or 0
    return left > 0 and right > 0


# PDF -----------------------------------------------------------------------------------------

SPACES_RE = re.compile(r"[^\S\n]+")
ENDS_SENTENCE = tuple(".!?:;'\"”»\u2019)]")


def read_pdf(data):
    """pdfminer's layout analysis groups a page's lines into text boxes, one a paragraph;
    a paragraph that a page break cuts (no full stop before it, a small letter after it) is
    joined again. Justified text's stretched spaces are single spaces."""
    if not data.startswith(b"%PDF-"):
        check_not_other_format(data, "a PDF")
        raise DocumentError("The file is not a PDF (it does not start with %PDF-).")
    boxes = []
    try:
        for number, page in enumerate(
            extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=PDF_MAX_PAGES + 1)
        ):
            if number == PDF_MAX_PAGES:
                raise DocumentError(f"The PDF has more than {PDF_MAX_PAGES} pages.")
            page_boxes = page_blocks(page)
            if boxes and page_boxes and continues(boxes[-1].text, page_boxes[0].text):
                boxes[-1] = Block(f"{boxes[-1].text} {page_boxes.pop(0).text}", boxes[-1].role)
            boxes.extend(page_boxes)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise DocumentError(
            "The PDF is protected by a password: remove the protection and upload it again."
        ) from None
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError):
        raise DocumentError("The PDF cannot be read: it is damaged or not a PDF.") from None
    if not boxes:
        raise DocumentError(
            "The PDF has no text layer (a scanned image?): recognise its text (OCR) first, or "
            "upload the text as .txt, .md or .docx."
        )
    return boxes


# A box of several lines set in from both margins by more than this (in points, a fifth of an
# inch) is a block quote; a centred heading is one line.
QUOTE_INDENT = 14


def page_blocks(page):
    boxes = [e for e in page if isinstance(e, LTTextContainer) and e.get_text().strip()]
    if not boxes:
        return []
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    return [
        Block(
            pdf_box_text(box),
            QUOTE if is_set_in(box, left, right) else PARAGRAPH,
        )
        for box in boxes
    ]


def is_set_in(box, left, right):
    lines = sum(1 for line in box if line.get_text().strip())
    return lines > 1 and box.x0 > left + QUOTE_INDENT and box.x1 < right - QUOTE_INDENT


def pdf_box_text(box):
    lines = [SPACES_RE.sub(" ", line).strip() for line in box.get_text().splitlines()]
    text = ""
    for line in filter(None, lines):
        # A line broken after a hyphen keeps the hyphen (black-market), without a space.
        text += line if not text or text.endswith("-") else " " + line
    return text


def continues(before, after):
    return not before.endswith(ENDS_SENTENCE) and after[:1].islower()
