"""Highlighted titles, snippets and passages, and the one highlighter of the site.

Every highlight goes the same way: the matches are marked with private-use sentinels (by
PostgreSQL's ts_headline, or by a regular expression over the text), then `highlighted()`
escapes the whole text and turns the sentinels into <mark>. Nothing stored is ever trusted as
HTML."""

import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .. import codes
from ..models import Resolution, SearchPassage, Statement, table
from .config import FRAGMENT_BREAK, HIGHLIGHT_START, HIGHLIGHT_STOP, LONG_TEXT_CHARS

SENTINELS = HIGHLIGHT_START + HIGHLIGHT_STOP + FRAGMENT_BREAK
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=40, MinWords=18, "
    f"ShortWord=2, MaxFragments=2, FragmentDelimiter={FRAGMENT_BREAK}"
)
TITLE_OPTIONS = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, HighlightAll=true"


def highlighted(text):
    """The text escaped, with the marked matches in <mark>."""
    html = escape(text)
    html = html.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(html)


def strip_markers(text):
    return text.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_STOP, "")


def marked(text, pattern):
    """The text with each match of the pattern between the sentinels (any already in the
    text are removed first)."""
    text = "".join(c for c in text if c not in SENTINELS)
    if pattern is None:
        return text
    return pattern.sub(lambda m: f"{HIGHLIGHT_START}{m.group(0)}{HIGHLIGHT_STOP}", text)


# --- Passages on a topic (the positions lists) ------------------------------------------------


def term_pattern(terms):
    """A case-insensitive pattern for whole-word occurrences of any of these terms."""
    terms = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not terms:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, t.split())) for t in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


PASSAGE_WORDS_BEFORE, PASSAGE_WORDS_AFTER = 30, 50  # around the first match of a long paragraph


def window(paragraph, pattern):
    """A long paragraph cut to the words around its first match, with ellipses where cut."""
    words = paragraph.split(" ")
    if len(words) <= PASSAGE_WORDS_BEFORE + PASSAGE_WORDS_AFTER:
        return paragraph
    match = pattern.search(paragraph)
    at = paragraph.count(" ", 0, match.start()) if match else 0
    start = max(0, at - PASSAGE_WORDS_BEFORE)
    end = min(len(words), start + PASSAGE_WORDS_BEFORE + PASSAGE_WORDS_AFTER)
    start = max(0, end - PASSAGE_WORDS_BEFORE - PASSAGE_WORDS_AFTER)
    text = " ".join(words[start:end])
    return ("… " if start else "") + text + (" …" if end < len(words) else "")


@dataclass
class Passage:
    number: int
    html: str


def passages(text, pattern, limit=3):
    """The paragraphs of a text that mention the pattern, highlighted, and how many more."""
    found = [
        (number, paragraph)
        for number, paragraph in enumerate(codes.paragraphs(text), start=1)
        if pattern is not None and pattern.search(paragraph)
    ]
    shown = [
        Passage(number, highlighted(marked(window(p, pattern), pattern)))
        for number, p in found[:limit]
    ]
    return shown, max(0, len(found) - limit)


# --- Search snippets --------------------------------------------------------------------------

SNIPPETS = 3  # passages shown per result
# Texts longer than this are headlined in a window around the first word that matches (found
# by a regular expression, much cheaper than parsing a 100,000-character speech).
HEADLINE_WINDOW_FROM, HEADLINE_CHARS_BEFORE, HEADLINE_CHARS = 4_000, 300, 1_500


@dataclass
class Snippet:
    html: str
    paragraph: int | None = None


def lexeme_pattern(tsquery):
    """A case-insensitive regular expression (PostgreSQL's flavour) for words that begin like
    the query's lexemes: 'traffick' finds "trafficking", 'poverti' finds "poverty"."""
    lexemes = set(re.findall(r"'((?:[^']|'')+)'", tsquery))
    stems = sorted(
        {(lex[:-1] if len(lex) > 4 else lex).replace("''", "'") for lex in lexemes}, key=len
    )
    if not stems:
        return "$^"
    escaped = [re.sub(r"([^\w])", r"\\\1", stem) for stem in stems]
    return "\\m(" + "|".join(escaped) + ")"


def snippets(query, rows):
    """For a page's (type, id) rows only: {(type, id): (title, paragraph, body)}, the title
    and the matching passage marked. Long texts take their passage from the best-matching
    paragraph (found through its own vector), so snippets work to the very end of a
    126,000-character speech."""
    tsq = query.plain_tsquery
    pattern = lexeme_pattern(tsq)
    parts, params = [], []
    for model in (Statement, Resolution):
        kind = model._meta.model_name
        ids = [pk for row_kind, pk, *_ in rows if row_kind == kind]
        if not ids:
            continue
        fk = SearchPassage._meta.get_field(kind).column
        parts.append(f"""
            SELECT %s, t.id, p.number,
                   ts_headline(archive_search_config(t.language), translate(t.title, %s, ''),
                               %s::tsquery, %s),
                   ts_headline(archive_search_config(t.language),
                               translate(CASE
                                   WHEN p.number IS NOT NULL
                                       THEN split_part(t.text, E'\\n\\n', p.number)
                                   WHEN length(t.text) <= {HEADLINE_WINDOW_FROM}
                                       THEN t.text
                                   ELSE substr(t.text, greatest(1, w.at - {HEADLINE_CHARS_BEFORE}),
                                               {HEADLINE_CHARS})
                               END, %s, ''),
                               %s::tsquery, %s)
            FROM {table(model)} t
            CROSS JOIN LATERAL (
                SELECT CASE WHEN length(t.text) <= {HEADLINE_WINDOW_FROM} THEN 1
                            ELSE coalesce(nullif(regexp_instr(t.text, %s, 1, 1, 0, 'i'), 0), 1)
                       END AS at
            ) w
            LEFT JOIN LATERAL (
                SELECT sp.number FROM {table(SearchPassage)} sp
                WHERE sp.{fk} = t.id AND length(t.text) > {LONG_TEXT_CHARS}
                ORDER BY ts_rank(sp.vector, %s::tsquery) DESC, sp.number
                LIMIT 1
            ) p ON true
            WHERE t.id = ANY(%s)""")
        params += [
            kind, SENTINELS, tsq, TITLE_OPTIONS, SENTINELS, tsq, HEADLINE_OPTIONS, pattern,
            tsq, ids,
        ]  # fmt: skip
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {
            (kind, pk): (title, number, body) for kind, pk, number, title, body in cursor.fetchall()
        }


def passage_snippets(text, paragraph, headline):
    """The headline's fragments, each with the number of the paragraph it comes from.
    PostgreSQL's headline keeps the text's own characters, so a fragment is found in the text
    as it is, and its paragraph is the number of blank lines before it."""
    result = []
    for fragment in headline.split(FRAGMENT_BREAK):
        # A fragment of a short text may run over a paragraph break: keep the pieces that
        # hold a match, each with its own paragraph number.
        pieces = [p.strip() for p in fragment.split("\n\n") if p.strip()]
        chosen = [p for p in pieces if HIGHLIGHT_START in p] or pieces[:1]
        for piece in chosen:
            number = paragraph
            if number is None:
                at = text.find(strip_markers(piece)[:80])
                number = text.count("\n\n", 0, at) + 1 if at >= 0 else None
            result.append(Snippet(highlighted(piece), number))
    return result[:SNIPPETS]
