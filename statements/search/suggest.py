"""Did you mean: corrections of the words a query has that the archive does not know, or
knows far less well than a near spelling, from the archive's own vocabulary (SearchWord), its
organisations' short names and topics' aliases."""

import re
from dataclasses import dataclass

from django.db import connection, transaction

from ..models import Alias, Organisation, SearchWord, table
from .compile import NAME_SQL, SEARCHED_MODELS, search_configs
from .config import HIGHLIGHT_START, HIGHLIGHT_STOP
from .headlines import TITLE_OPTIONS
from .parse import WORD_RE, normalise_name
from .spelling import spellings

SUGGESTION_THRESHOLD = 0.2  # trigram similarity that makes a word a candidate correction
NAME_WEIGHT = 2  # an organisation's short name or a topic's alias counts as a well-used word


def edit_distance(a, b):
    """Damerau-Levenshtein distance (adjacent transpositions count as one edit)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(word):
    return 1 if len(word) <= 5 else 2


@dataclass
class Correction:
    word: str
    replacement: str
    distance: int
    documents: int
    is_lexeme: bool = False


# A near spelling used by this many times as many texts as the word typed is offered ("2
# results for trafficing · 1,511 for trafficking"); a word no text uses takes any that some do.
FAR_MORE_COMMON = 20
# Only words in fewer texts than this share of the archive (and at least a few) are checked
# against their near spellings: a common word is no misspelling, and the check costs a
# trigram scan of the vocabulary per word.
RARE_WORD_SHARE = 0.001
RARE_WORD_FLOOR = 5


def corrections(words):
    """{word: Correction} for the words that have a near spelling far more common in the
    archive than they are: those no text uses (the vocabulary does not know them), and rare
    ones beside a spelling FAR_MORE_COMMON times as common. The vocabulary holds lexemes
    (stems, in each text's language): a query word is read in every search configuration,
    trigram similarity finds lexemes close to its readings through the index, the edit
    distance (with transpositions: "chlid" is one edit from "child") and how many texts use
    it choose among them, and the correction is spelt as a text spells it. A word's British
    or American spelling is the same word (never offered), and organisation short names and
    topic aliases count as known words too (ITCU -> ITUC)."""
    words = sorted({w for w in (normalise_name(w) for w in words) if w and len(w) >= 3})
    words = [w for w in words if " " not in w]
    if not words:
        return {}
    forms = {w: spellings(w) for w in words}
    configs = list(search_configs())
    organisation_table, alias_table = table(Organisation), table(Alias)
    word_table = table(SearchWord)
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT w, array_remove(array_agg(DISTINCT l), NULL), coalesce(max(v.documents), 0),
                   EXISTS (
                       SELECT 1 FROM {organisation_table} o
                       WHERE {NAME_SQL.format("o.short_name")} = w)
                   OR EXISTS (
                       SELECT 1 FROM {alias_table} a WHERE {NAME_SQL.format("a.name")} = w)
            FROM unnest(%s::text[]) w
            CROSS JOIN unnest(%s::regconfig[]) c
            LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector(c, w))) l ON true
            LEFT JOIN {word_table} v ON v.word = l
            GROUP BY w""",
            [sorted({f for spelt in forms.values() for f in spelt}), configs],
        )
        read = {
            form: (set(lexemes), documents, named)
            for form, lexemes, documents, named in cursor.fetchall()
        }
        rare = max(RARE_WORD_FLOOR, RARE_WORD_SHARE * archive_size(cursor))
        checked = {}
        for word in words:
            own = [read[f] for f in forms[word] if f in read]
            if any(named for _lexemes, _documents, named in own):
                continue
            documents = max((d for _lexemes, d, _named in own), default=0)
            if documents < rare:
                checked[word] = (set().union(*(lex for lex, _d, _n in own)), documents)
        if not checked:
            return {}
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [SUGGESTION_THRESHOLD])
        for word, (own_lexemes, documents) in checked.items():
            least = FAR_MORE_COMMON * documents if documents else 1
            best = None
            for lexeme in {*own_lexemes, word}:
                cursor.execute(
                    f"""
                    (SELECT word, NULL, documents FROM {word_table}
                     WHERE word %% %s ORDER BY word <-> %s LIMIT 30)
                    UNION ALL
                    SELECT n, o.short_name, %s
                    FROM {organisation_table} o, {NAME_SQL.format("o.short_name")} n
                    WHERE n <> '' AND n %% %s
                    UNION ALL
                    SELECT n, a.name, %s FROM {alias_table} a, {NAME_SQL.format("a.name")} n
                    WHERE n %% %s AND n NOT LIKE '%% %%'""",
                    [lexeme, lexeme, NAME_WEIGHT, lexeme, NAME_WEIGHT, lexeme],
                )
                for candidate, name, used in cursor.fetchall():
                    if name is None and (candidate in own_lexemes or used < least):
                        continue  # the word itself (in either spelling), or no more common
                    if name is not None and documents:
                        continue  # a name beats only a word no text uses
                    distance = edit_distance(lexeme if name is None else word, candidate)
                    if distance > allowed_edits(word):
                        continue
                    key = (distance, -used, candidate)
                    if best is None or key < best[0]:
                        best = (key, Correction(word, name or candidate, distance, used))
                        best[1].is_lexeme = name is None
            if best:
                found[word] = best[1]
        for correction in found.values():
            if correction.is_lexeme:
                correction.replacement = spelt(cursor, correction.replacement)
    return found


def archive_size(cursor):
    """About how many texts the archive holds: the planner's row counts (no table scan)."""
    cursor.execute(
        "SELECT coalesce(sum(greatest(reltuples, 0)), 0) FROM pg_class"
        " WHERE oid = ANY(%s::regclass[])",
        [[table(model) for model in SEARCHED_MODELS]],
    )
    return cursor.fetchone()[0]


def spelt(cursor, lexeme):
    """A lexeme as a text spells it ('traffick' -> 'trafficking'): the word that a headline
    marks in the first text using it (looked for in a short window, so it costs little)."""
    needle = lexeme[:-1] if len(lexeme) > 4 else lexeme
    for model in SEARCHED_MODELS:
        cursor.execute(
            f"""
            SELECT ts_headline(archive_search_config(t.language),
                               substr(t.text, greatest(1, strpos(lower(t.text), %s) - 40), 200),
                               quote_literal(%s)::tsquery, %s)
            FROM {table(model)} t WHERE t.search_vector @@ quote_literal(%s)::tsquery
            AND strpos(lower(t.text), %s) > 0 LIMIT 1""",
            [needle, lexeme, TITLE_OPTIONS, lexeme, needle],
        )
        row = cursor.fetchone()
        if row:
            match = re.search(f"{HIGHLIGHT_START}(.+?){HIGHLIGHT_STOP}", row[0])
            if match:
                return match.group(1).lower()
    return lexeme


def corrected_text(text, found):
    """The query text with each unknown word replaced (operators and quotes kept)."""

    def replace(match):
        word = match.group(0)
        correction = found.get(normalise_name(word))
        if not correction:
            return word
        replacement = correction.replacement
        if replacement.islower():
            if word.isupper() and len(word) > 1:
                return replacement.upper()
            if word[:1].isupper():
                return replacement[:1].upper() + replacement[1:]
        return replacement

    return WORD_RE.sub(replace, text)


def confident(found):
    """A correction shown at once: every replaced word is a single edit away (two for long
    words) from a word that several texts use."""
    return bool(found) and all(
        c.distance <= allowed_edits(c.word) and c.documents >= 2 for c in found.values()
    )
