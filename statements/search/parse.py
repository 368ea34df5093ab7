"""Reading what a reader typed: web search syntax into terms (words, "phrases", OR, -word),
and names compared as the database compares them (British and American spellings are
spelling.py's)."""

import re
import unicodedata
from dataclasses import dataclass, field

from .config import HIGHLIGHT_START, HIGHLIGHT_STOP
from .spelling import WORD_RE

# --- Reading a query --------------------------------------------------------------------------

# Queries longer than this are refused with a message: no reader types more, and every word
# costs index scans.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12

CONTROL_RE = re.compile(rf"[\x00-\x1f\x7f-\x9f{HIGHLIGHT_START}{HIGHLIGHT_STOP}]")
TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class Term:
    """One thing the reader asked for: a word (or a hyphenated token), or a quoted phrase."""

    text: str
    phrase: bool = False
    negated: bool = False
    # Filled in by expansion: a topic the words name (all its names are searched) and the
    # organisations they name (their statements match too).
    topic_id: int | None = None
    topic_ids: list = field(default_factory=list)  # it and every topic below it
    topic_names: list = field(default_factory=list)
    organisation_ids: list = field(default_factory=list)
    organisation_names: list = field(default_factory=list)  # each one's every name

    @property
    def display(self):
        text = f'"{self.text}"' if self.phrase else self.text
        return f"-{text}" if self.negated else text


def clean_query(raw):
    """The query as searched: control characters (NUL included) and our highlight sentinels
    removed, white space collapsed."""
    return " ".join(CONTROL_RE.sub(" ", unicodedata.normalize("NFC", raw or "")).split())


def parse_query(text):
    """Web search syntax, as PostgreSQL's websearch_to_tsquery reads it: words are ANDed,
    "quoted phrases" are kept together, OR between two terms joins them, a leading minus
    excludes. Returns a list of groups (ANDed), each a list of terms (ORed). Never raises."""
    groups, pending_or = [], False
    for match in TOKEN_RE.finditer(text):
        minus, quoted, bare = match.groups()
        if quoted is not None:
            term = Term(quoted.strip(), phrase=True, negated=bool(minus))
        elif bare.lower() == "or":
            pending_or = bool(groups)  # OR with nothing before it is no operator: dropped
            continue
        elif bare.startswith("-") and len(bare) > 1:
            term = Term(bare[1:], negated=True)
        else:
            term = Term(bare)
        if not WORD_RE.search(term.text):
            continue  # operators and punctuation alone
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups


def normalise_name(text):
    """Lower case, accents off, words joined by single spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(WORD_RE.findall(stripped))
