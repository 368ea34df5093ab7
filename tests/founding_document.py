"""The founding document (demo/sources/: the Norwegian LO's answer to the BSPC Working Group
on Civil Security) as demo/archive.jsonl holds it, read from the files rather than the
database, and written by the tests themselves as .txt, .md, .docx and .pdf for intake."""

import io
import json
from pathlib import Path

import docx
from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "archive.jsonl"
SOURCE = ROOT / "demo" / "sources" / "lo-answer-bspc-thb.txt"

# The founding document as the demo archive holds it, read from the file, not the database.


def demo_records():
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]


def demo_statement():
    return next(r for r in demo_records() if r["type"] == "statement")


def demo_quotations():
    return {(r["resolution"], r["excerpt"]) for r in demo_records() if r["type"] == "quotation"}


# The founding document in each format, written from its source text --------------------------


def source_blocks():
    """(title, lines after it): the source's first block is a Markdown heading in bold."""
    blocks = SOURCE.read_text(encoding="utf-8").strip().split("\n\n")
    return blocks[0].strip("#* "), blocks[1:]


def as_docx(title, paragraphs, quote_style=()):
    document = docx.Document()
    document.add_heading(title, level=2)
    for number, paragraph in enumerate(paragraphs):
        document.add_paragraph(paragraph, style="Quote" if number in quote_style else None)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_pdf(title, paragraphs, size=11, password=None):
    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.set_font("helvetica", "B", size + 3)
    pdf.multi_cell(0, 7, title)
    pdf.ln(4)
    pdf.set_font("helvetica", size=size)
    for paragraph in paragraphs:
        pdf.multi_cell(0, size / 2, paragraph)
        pdf.ln(4)
    return bytes(pdf.output())


def founding_document(extension):
    if extension in {"txt", "md"}:
        return SOURCE.read_bytes()  # its heading is Markdown: the same bytes serve both
    title, paragraphs = source_blocks()
    return as_docx(title, paragraphs) if extension == "docx" else as_pdf(title, paragraphs)
