"""Citations of a statement or a resolution, whole or one paragraph of it: a plain reference to
paste, BibTeX (biblatex's fields beside classic BibTeX's) and CSL-JSON (what Zotero, Pandoc
and citeproc read). Each names the access date and the text's date at its precision."""

import json
import re
from dataclasses import dataclass

from . import codes
from .codes import DatePrecision
from .models import Statement

ARCHIVE_NAME = "Policy archive"
BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
CSL_JSON_TYPE = "application/vnd.citationstyles.csl+json; charset=utf-8"
BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# CSL item types by statement kind; the others are documents.
CSL_TYPES = {
    codes.StatementKind.SPEECH: "speech",
    codes.StatementKind.REPORT: "report",
    codes.StatementKind.PRESS_RELEASE: "article",
}
# What (La)TeX reads as commands in a BibTeX field, each as it is written to print as itself.
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
BIBTEX_SPECIALS_RE = re.compile("|".join(re.escape(c) for c in BIBTEX_SPECIALS))


class NoSuchParagraph(ValueError):
    pass


def bibtex_escape(value):
    return BIBTEX_SPECIALS_RE.sub(lambda m: BIBTEX_SPECIALS[m.group()], value)


@dataclass
class Citation:
    """What every format says of one text: `text` a statement or a resolution, `url` its
    permalink, `accessed` the reader's date, `paragraph` a paragraph's number or None."""

    text: object
    url: str
    accessed: object
    paragraph: int | None = None

    def __post_init__(self):
        if self.paragraph is not None and not 1 <= self.paragraph <= len(self.text.paragraphs):
            raise NoSuchParagraph(
                f"There is no paragraph {self.paragraph}: the text has {len(self.text.paragraphs)}."
            )

    @property
    def is_statement(self):
        return isinstance(self.text, Statement)

    @property
    def permalink(self):
        return self.url + (f"#p{self.paragraph}" if self.paragraph else "")

    @property
    def author(self):
        text = self.text
        return str(text.organisation if self.is_statement else text.congress.organisation)

    @property
    def date_parts(self):
        """The text's date to its precision, [year], [year, month] or [year, month, day]; []
        when undated. A resolution has its congress's first day, or its year."""
        if self.is_statement:
            date, precision = self.text.date, self.text.date_precision
        else:
            congress = self.text.congress
            if congress.start_date is None:
                return [congress.year]
            date, precision = congress.start_date, DatePrecision.DAY
        if date is None:
            return []
        return {
            DatePrecision.YEAR: [date.year],
            DatePrecision.MONTH: [date.year, date.month],
        }.get(precision, [date.year, date.month, date.day])

    @property
    def date_text(self):
        return "-".join(f"{part:02d}" for part in self.date_parts)

    @property
    def genre(self):
        """The kind of text, or "" for a statement of no particular kind."""
        if self.is_statement:
            other = self.text.kind == codes.StatementKind.OTHER
            return "" if other else self.text.get_kind_display()
        if self.text.kind == codes.ResolutionKind.OTHER:
            return "Resolution"
        return self.text.get_kind_display()

    @property
    def details(self):
        """What tells this text apart beyond author, title and date: its addressee and occasion,
        or the congress that adopted it."""
        text = self.text
        if not self.is_statement:
            return [f"Adopted by the {text.congress.name}"]
        found = []
        if text.addressed_to:
            found.append(f"Addressed to {text.addressed_to}")
        if text.occasion:
            found.append(text.occasion.rstrip("."))
        return found

    @property
    def key(self):
        return self.text.key + (f"-p{self.paragraph}" if self.paragraph else "")

    @property
    def accessed_text(self):
        return self.accessed.isoformat()

    def plain(self):
        """Author. “Title”. Kind. Details. Date. Paragraph. Source. Archive, permalink
        (accessed date)."""
        parts = [f"{self.author}.", f"“{self.text.title}”."]
        if self.genre:
            parts.append(f"{self.genre}.")
        parts += [f"{detail}." for detail in self.details]
        parts.append(f"{self.date_text or 'Undated'}.")
        if self.paragraph:
            parts.append(f"Paragraph {self.paragraph}.")
        if self.text.source_url:
            parts.append(f"Source: {self.text.source_url}.")
        parts.append(f"{ARCHIVE_NAME}, {self.permalink} (accessed {self.accessed_text}).")
        return " ".join(parts)

    def csl(self):
        """The text as one CSL-JSON item (CSL 1.0.2 variables)."""
        text = self.text
        item = {
            "id": self.key,
            "type": CSL_TYPES.get(text.kind, "document") if self.is_statement else "document",
            "title": text.title,
            "author": [{"literal": self.author}],
            "language": text.language,
            "URL": self.permalink,
            "accessed": {
                "date-parts": [[self.accessed.year, self.accessed.month, self.accessed.day]]
            },
            "archive": ARCHIVE_NAME,
        }
        if self.genre:
            item["genre"] = self.genre
        if self.date_parts:
            item["issued"] = {"date-parts": [self.date_parts]}
        if self.paragraph:
            item["locator"] = str(self.paragraph)
            item["label"] = "paragraph"
        if self.is_statement:
            if text.addressed_to:
                item["recipient"] = [{"literal": str(text.addressed_to)}]
            if text.occasion:
                item["event-title"] = text.occasion
        else:
            item["event-title"] = text.congress.name
        if text.source_url:
            item["source"] = text.source_url
        return item

    def csl_json(self):
        return json.dumps([self.csl()], ensure_ascii=False, indent=2) + "\n"

    def bibtex(self):
        """One @misc entry: classic BibTeX's year, month, howpublished and note, and biblatex's
        date, urldate and url. Every value escaped; the author braced as one corporate name."""
        fields = [
            ("author", "{" + bibtex_escape(self.author) + "}"),
            ("title", bibtex_escape(self.text.title)),
        ]
        parts = self.date_parts
        if parts:
            fields.append(("year", str(parts[0])))
            fields.append(("date", self.date_text))
        note = [part for part in (self.genre, *self.details) if part]
        if self.paragraph:
            note.append(f"Paragraph {self.paragraph}")
        note.append(f"Accessed {self.accessed_text}")
        fields += [
            ("language", self.text.language),
            ("howpublished", bibtex_escape(ARCHIVE_NAME)),
            ("note", bibtex_escape(". ".join(note))),
            ("url", self.permalink),
            ("urldate", self.accessed_text),
        ]
        lines = [f"@misc{{{self.key},"]
        lines += [f"  {name} = {{{value}}}," for name, value in fields]
        if len(parts) > 1:  # a month is a macro, unbraced
            lines.append(f"  month = {BIBTEX_MONTHS[parts[1] - 1]},")
        lines.append("}")
        return "\n".join(lines) + "\n"
