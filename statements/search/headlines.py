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


# A snippet is widened to whole sentences when that adds at most this many characters on a
# side and keeps it under SNIPPET_CHARS; otherwise it is cut at a word, with "…" where cut.
SENTENCE_REACH, SNIPPET_CHARS = 160, 420
SENTENCE_END_RE = re.compile(r"[.!?…][\"'”\u2019)\]]*\s")
ELLIPSIS = "…"
OPENING = "“\"'(\u2018¿¡"  # kept at a snippet's start


def phrase_pattern(phrases):
    """A case-insensitive pattern for the quoted phrases word for word (each a tuple of
    words), as the search checks them: anything but letters and digits between the words."""
    alternatives = [r"[\W_]+".join(map(re.escape, words)) for words in phrases if words]
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])", re.IGNORECASE)


def _widened(text, start, end, low, high):
    """[start, end) moved out to whole words, then to whole sentences when near enough,
    inside the paragraph [low, high)."""
    while start > low and text[start - 1].isalnum():
        start -= 1
    while end < high and text[end].isalnum():
        end += 1
    while start < end and not text[start].isalnum() and text[start] not in OPENING:
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # The sentence's start: after the last sentence end before it (or the paragraph's start).
    before = [m.end() for m in SENTENCE_END_RE.finditer(text, max(low, start - SENTENCE_REACH),
                                                         start)]  # fmt: skip
    sentence_start = before[-1] if before else low
    if start - sentence_start <= SENTENCE_REACH and end - sentence_start <= SNIPPET_CHARS:
        start = sentence_start
    after = SENTENCE_END_RE.search(text, max(start, end - 1), min(high, end + SENTENCE_REACH))
    sentence_end = after.start() + len(after.group().rstrip()) if after else high
    if sentence_end - end <= SENTENCE_REACH and sentence_end - start <= SNIPPET_CHARS:
        end = sentence_end
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _placed(text, fragment, offset):
    """(start, end) of a headline's fragment in the text, from `offset`; None if not found.
    The headline leaves out what its parser reads as tags (<b>), so a fragment that is not
    in the text as it is is found by its first and last words (the fewer, the likelier that
    no tag stood between them)."""
    if not fragment:
        return None
    where = text.find(fragment, offset)
    if where >= 0:
        return where, where + len(fragment)
    words = WORDS_RE.findall(fragment)
    first = None
    for n in range(min(4, len(words)), 0, -1):
        first = _runs(text, words[:n], offset, first=True)
        if first:
            break
    if not first:
        return None
    reach = first[0] + 2 * len(fragment) + 200
    for n in range(min(4, len(words)), 0, -1):
        last = _runs(text[:reach], words[-n:], first[0])
        if last:
            return first[0], last[1]
    return None


def _runs(text, words, offset, first=False):
    """(start, end) of the first (or last) run of the words in the text from offset."""
    pattern = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, words)) + r"(?![^\W_])")
    if first:
        found = pattern.search(text, offset)
        return found.span() if found else None
    found = None
    for found in pattern.finditer(text, offset):  # noqa: B007 (the last one is kept)
        pass
    return found.span() if found else None


WORDS_RE = re.compile(r"[^\W_]+")


def passage_snippets(text, paragraph, headline, phrases=()):
    """The passages a result shows, each with the number of its paragraph: the headline's
    fragments (and, for a quoted phrase, the first place that holds it word for word), each
    widened to whole words and, when near, whole sentences, with "…" where a paragraph is
    cut; passages of one paragraph are joined, so a paragraph is named once. PostgreSQL's
    headline keeps the text's own characters, so a fragment is found in the text as it is."""
    text = "".join(c for c in text if c not in SENTINELS)
    bounds, at = [], 0  # (number, start, end) of each paragraph
    for number, part in enumerate(text.split("\n\n"), start=1):
        bounds.append((number, at, at + len(part)))
        at += len(part) + 2
    exact = phrase_pattern(phrases)
    found = exact.search(text) if exact else None
    pieces = [(found.start(), found.end())] if found else []
    words, unplaced = set(), []
    floor = bounds[paragraph - 1][1] if paragraph and paragraph <= len(bounds) else 0
    for fragment in headline.split(FRAGMENT_BREAK):
        words |= set(re.findall(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_STOP}", fragment))
        # A fragment of a short text may run over a paragraph break: its parts that hold a
        # match, each in its own paragraph.
        parts, offset = [], floor
        for part in (p.strip() for p in fragment.split("\n\n")):
            span = _placed(text, strip_markers(part), offset)
            if span is None:
                if part:
                    unplaced.append(Snippet(highlighted(part), paragraph))
                continue
            parts.append((*span, HIGHLIGHT_START in part))
            offset = span[1]
        pieces += [(a, b) for a, b, has in parts if has] or [(a, b) for a, b, _ in parts[:1]]
    marks = [p for p in (exact, term_pattern(words)) if p is not None]
    by_paragraph = {}
    for start, end in pieces:
        number, low, high = next(b for b in bounds if b[1] <= start <= b[2])
        spans = by_paragraph.setdefault(number, [])
        spans.append(_widened(text, start, min(end, high), low, high))
    result = []
    first = next((b[0] for b in bounds if found and b[1] <= found.start() <= b[2]), None)
    # The phrase's own paragraph first, then the others in the text's order.
    order = sorted(by_paragraph.items(), key=lambda item: (item[0] != first, min(item[1])))
    for number, spans in order:
        _number, low, high = bounds[number - 1]
        merged = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        shown = " ".join(
            (f"{ELLIPSIS} " if start > low else "") + _marked_all(text[start:end], marks)
            for start, end in merged
        )
        if merged[-1][1] < high:
            shown += f" {ELLIPSIS}"
        result.append(Snippet(highlighted(shown), number))
    return (result or unplaced)[:SNIPPETS]


def whole_text(text, headline, phrases=()):
    """A short text whole, highlighted: every occurrence of the words the headline marked,
    and of each quoted phrase word for word. Such a text leads its card."""
    words = set(re.findall(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_STOP}", headline))
    marks = [p for p in (phrase_pattern(phrases), term_pattern(words)) if p is not None]
    text = "".join(c for c in text if c not in SENTINELS)
    return highlighted(_marked_all(text, marks))


def _marked_all(text, patterns):
    """The text with every match of any of the patterns between the sentinels."""
    # Of matches that start together, the longest (a quoted phrase over its words).
    spans = sorted(
        ((m.start(), m.end()) for pattern in patterns for m in pattern.finditer(text)),
        key=lambda span: (span[0], -span[1]),
    )
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        out += [text[at:start], HIGHLIGHT_START, text[start:end], HIGHLIGHT_STOP]
        at = end
    return "".join(out) + text[at:]
