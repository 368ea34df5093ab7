"""Constants and expressions of the archive's PostgreSQL full-text search.

Each text is indexed with its own language's text search configuration. The mapping lives in
an IMMUTABLE SQL function, `archive_search_config(language)`, created by a migration, so that
PostgreSQL can compute the stored vector itself as a generated column."""

import re
import time
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

# ISO 639-1 code -> text search configuration shipped with PostgreSQL 15.
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
FALLBACK_CONFIG = "simple"

# Title over summary over body.
WEIGHTS = {"title": "A", "summary": "B", "section": "B", "text": "C"}


class SearchConfigFor(Func):
    function = "archive_search_config"
    output_field = TextField()


def weighted_vector(fields):
    """The stored vector's expression: each field in the row's own language, weighted."""
    config = SearchConfigFor(F("language"))
    vector = None
    for name in fields:
        part = SearchVector(F(name), config=config, weight=WEIGHTS[name])
        vector = part if vector is None else vector + part
    return vector


# Word pairs: each lexeme with the next one in the same field and the distance between them
# ('traffick 2 human' for "trafficking in human"), one lexeme of their own in a second vector.
# A two-word phrase is then one index lookup, and a longer one the AND of its pairs: no text
# has to be read to check positions, which for two common words ("human rights", "decent
# work") would mean reading every text that has both. Elasticsearch's index_phrases does the
# same. Pairs never cross from one field into the next (their weights differ), nor go past
# PostgreSQL's position limit (long texts have their paragraphs for that). The SQL function,
# archive_word_pairs(tsvector), is created by migration 0007.
class WordPairs(Func):
    function = "archive_word_pairs"
    output_field = SearchVectorField()


PHRASE_CHAIN_RE = re.compile(r"^'(?:[^']|'')+'(?: <(?:-|\d+)> '(?:[^']|'')+')+$")
CHAIN_STEP_RE = re.compile(r"'((?:[^']|'')+)'|<(-|\d+)>")


def phrase_pairs(tsquery):
    """The word pairs of a phrase tsquery ('traffick' <2> 'human' <-> 'be'), ANDed, as
    tsquery text; "" when it is not a simple chain of two or more lexemes."""
    if not PHRASE_CHAIN_RE.match(tsquery):
        return ""
    lexemes, gaps = [], []
    for lexeme, gap in CHAIN_STEP_RE.findall(tsquery):
        if lexeme:
            lexemes.append(lexeme)
        else:
            gaps.append("1" if gap == "-" else gap)
    return " & ".join(
        f"'{first} {gap} {second}'"
        for first, gap, second in zip(lexemes, gaps, lexemes[1:], strict=False)
    )


# --- Derived search tables, kept by the database itself ---------------------------------------
# The SQL behind them (archive_search_config(), the triggers that keep SearchPassage and
# SearchWord current) is created by migrations 0001-0003, each carrying its SQL as written.

# Texts longer than this are also indexed paragraph by paragraph (SearchPassage). PostgreSQL
# clamps word positions at 16,383 and keeps at most 256 positions per lexeme, so a phrase in
# the tail of a very long text cannot be placed by its whole-text vector. 40,000 characters is
# about 7,000 words: below it neither limit is reached in ordinary prose (a lexeme would need
# to be one word in 27); above it, each paragraph has its own vector. In the UN speeches
# corpus that is 238 texts of 10,952, 6% of the text: the extra parsing stays small.
LONG_TEXT_CHARS = 40_000

# The texts a search covers: table, its foreign key in SearchPassage, the fields it indexes.
SEARCHED_TABLES = {
    "statements_statement": ("statement_id", ("title", "summary", "text")),
    "statements_resolution": ("resolution_id", ("title", "section", "text")),
}


def flush_search_indexes(cursor):
    """Call after a bulk import, in its transaction or after it: moves the rows that the GIN
    indexes' pending lists hold (fastupdate) into the indexes proper, and refreshes the
    planner's statistics. Until then every search scans the pending list, and the planner,
    costing it, may read every text's vector instead of using the index (measured: 0.6 s
    instead of 20 ms per search right after importing the UN speeches). Autovacuum would get
    there too, later."""
    for index in (
        "statement_search",
        "statement_search_head",
        "statement_search_pairs",
        "resolution_search",
        "resolution_search_head",
        "resolution_search_pairs",
        "searchpassage_vector",
    ):
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    for table in (*SEARCHED_TABLES, "statements_searchpassage", "statements_searchword"):
        cursor.execute(f"ANALYZE {table}")


# --- British and American spellings -----------------------------------------------------------


def _spelling_pairs():
    """{British form: American form} for the field's common words and their inflections."""
    pairs = {}
    our = [
        "labour",
        "behaviour",
        "favour",
        "honour",
        "neighbour",
        "colour",
        "harbour",
        "rumour",
        "endeavour",
        "vigour",
        "saviour",
        "valour",
    ]
    for root in our:
        for suffix in ("", "s", "ed", "ing", "er", "ers", "ite", "ites", "able", "ful", "less"):
            pairs[root + suffix] = root[:-2] + "r" + suffix
    ise = [
        "organ",
        "recogn",
        "mobil",
        "priorit",
        "criminal",
        "decriminal",
        "legal",
        "penal",
        "harmon",
        "standard",
        "privat",
        "global",
        "industrial",
        "marginal",
        "minim",
        "maxim",
        "util",
        "stabil",
        "character",
        "categor",
        "author",
        "apolog",
        "summar",
        "capital",
        "civil",
        "democrat",
        "liberal",
        "normal",
        "central",
        "decentral",
        "union",
        "institutional",
        "international",
        "national",
        "rational",
        "special",
        "urban",
        "victim",
        "sensit",
        "optim",
        "modern",
        "neutral",
        "real",
        "emphas",
        "critic",
        "symbol",
        "subsid",
        "memor",
        "visual",
        "commercial",
        "local",
        "immun",
        "formal",
        "final",
        "monet",
        "synchron",
        "agon",
        "fertil",
        "steril",
        "hospital",
        "jeopard",
    ]
    for root in ise:
        for suffix in ("e", "ed", "es", "ing", "ation", "ations", "er", "ers", "ational"):
            pairs[f"{root}is{suffix}"] = f"{root}iz{suffix}"
    for root in ("analy", "paraly", "cataly"):
        for suffix in ("se", "sed", "ses", "sing"):
            pairs[root + suffix] = root + "z" + suffix[1:]
    for british, american in (
        ("centre", "center"), ("fibre", "fiber"), ("theatre", "theater"), ("litre", "liter"),
        ("defence", "defense"), ("offence", "offense"), ("licence", "license"),
        ("pretence", "pretense"), ("programme", "program"), ("catalogue", "catalog"),
        ("judgement", "judgment"), ("ageing", "aging"), ("fulfil", "fulfill"),
        ("fulfilment", "fulfillment"), ("enrol", "enroll"), ("enrolment", "enrollment"),
        ("instalment", "installment"), ("travelled", "traveled"), ("travelling", "traveling"),
        ("counselling", "counseling"), ("labelled", "labeled"), ("labelling", "labeling"),
        ("modelling", "modeling"), ("cancelled", "canceled"), ("signalling", "signaling"),
        ("channelled", "channeled"), ("grey", "gray"), ("cheque", "check"),
        ("manoeuvre", "maneuver"), ("paediatric", "pediatric"), ("foetus", "fetus"),
        ("oestrogen", "estrogen"), ("diarrhoea", "diarrhea"), ("anaemia", "anemia"),
    ):  # fmt: skip
        pairs[british] = american
        if not british.endswith(("ed", "ing", "ment")):
            pairs[british + "s"] = american + "s"
    return pairs


BRITISH_TO_AMERICAN = _spelling_pairs()
AMERICAN_TO_BRITISH = {american: british for british, american in BRITISH_TO_AMERICAN.items()}
WORD_RE = re.compile(r"[^\W_]+")


def spelling_variant(text):
    """The text with each word in the other spelling (British <-> American), or None when no
    word has another spelling."""
    changed = False

    def swap(match):
        nonlocal changed
        word = match.group(0)
        lower = word.lower()
        other = BRITISH_TO_AMERICAN.get(lower) or AMERICAN_TO_BRITISH.get(lower)
        if other is None:
            return word
        changed = True
        return other

    variant = WORD_RE.sub(swap, text)
    return variant if changed else None


# --- Reading a query --------------------------------------------------------------------------

# Queries longer than this are refused with a message: no reader types more, and every word
# costs index scans.
MAX_QUERY_CHARS = 200
MAX_TERMS = 12

CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ue000\ue001]")
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
    topic_names: list = field(default_factory=list)
    organisation_ids: list = field(default_factory=list)

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


# archive_name(text): the SQL twin of normalise_name(), IMMUTABLE so that it can be indexed
# (migration 0004 creates it, with expression and trigram indexes on every name).
NAME_SQL = "archive_name({})"


LONGEST_NAME_WORDS = 6


def expand_names(groups):
    """Mark the runs of plain words that name a topic (by its name or an alias) or an
    organisation (by its name, short name or name in its own language). One query, over the
    names that the query's word runs could be, whatever the size of the archive."""
    # Runs are only formed from single-term AND groups of unquoted words (a quoted phrase is
    # literal); an OR alternative or an exclusion can still be a one-word name on its own.
    singles = [
        g[0] if len(g) == 1 and not g[0].phrase and not g[0].negated else None for g in groups
    ]
    runs = {}
    for start in range(len(groups)):
        for end in range(start + 1, min(len(groups), start + LONGEST_NAME_WORDS) + 1):
            terms = singles[start:end]
            if any(t is None for t in terms):
                break
            runs[(start, end)] = normalise_name(" ".join(t.text for t in terms))
    for index, group in enumerate(groups):
        for position, term in enumerate(group):
            if not term.phrase and (len(group) > 1 or term.negated):
                runs[(index, index + 1, position)] = normalise_name(term.text)
    names = sorted({n for n in runs.values() if n})
    if not names:
        return groups
    # A single word that opens exactly one topic's name or alias ("trafficking" for
    # "Trafficking in human beings") stands for that topic too: texts on THB are found.
    heads = sorted(
        {
            name
            for key, name in runs.items()
            if name and " " not in name and (len(key) == 3 or key[1] - key[0] == 1)
        }
    )
    topics, heads_found, organisations, topic_names = {}, {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH names AS (
                SELECT t.id AS topic_id, {NAME_SQL.format("t.name")} AS n FROM statements_topic t
                WHERE split_part({NAME_SQL.format("t.name")}, ' ', 1) = ANY(%s)
                UNION ALL
                SELECT a.topic_id, {NAME_SQL.format("a.name")} FROM statements_alias a
                WHERE split_part({NAME_SQL.format("a.name")}, ' ', 1) = ANY(%s)
            ), hits AS (
                SELECT 'topic' AS kind, n AS name, min(topic_id) AS id FROM (
                    SELECT t.id AS topic_id, {NAME_SQL.format("t.name")} AS n
                    FROM statements_topic t WHERE {NAME_SQL.format("t.name")} = ANY(%s)
                    UNION ALL
                    SELECT a.topic_id, {NAME_SQL.format("a.name")}
                    FROM statements_alias a WHERE {NAME_SQL.format("a.name")} = ANY(%s)
                ) named GROUP BY n
                UNION ALL
                SELECT 'head', split_part(n, ' ', 1), min(topic_id)
                FROM names WHERE n LIKE '%% %%' AND split_part(n, ' ', 1) = ANY(%s)
                GROUP BY 2 HAVING count(DISTINCT topic_id) = 1
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.name")}, o.id
                FROM statements_organisation o WHERE {NAME_SQL.format("o.name")} = ANY(%s)
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.short_name")}, o.id
                FROM statements_organisation o WHERE {NAME_SQL.format("o.short_name")} = ANY(%s)
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.native_name")}, o.id
                FROM statements_organisation o WHERE {NAME_SQL.format("o.native_name")} = ANY(%s)
            )
            SELECT kind, name, id, CASE WHEN kind <> 'organisation' THEN ARRAY(
                SELECT t.name FROM statements_topic t WHERE t.id = hits.id
                UNION ALL
                SELECT a.name FROM (SELECT name, position, id FROM statements_alias
                                    WHERE topic_id = hits.id ORDER BY position, id) a
            ) END
            FROM hits""",
            [heads, heads, names, names, heads, names, names, names],
        )
        for kind, name, found_id, all_names in cursor.fetchall():
            if kind == "organisation":
                organisations.setdefault(name, set()).add(found_id)
                continue
            (topics if kind == "topic" else heads_found)[name] = found_id
            topic_names[found_id] = all_names
    for name, topic_id in heads_found.items():
        topics.setdefault(name, topic_id)

    # Longest runs first; a run's words become one term.
    expanded, consumed = [], set()
    spans = sorted(
        (key for key in runs if len(key) == 2 and runs[key] in topics | organisations),
        key=lambda key: (-(key[1] - key[0]), key[0]),
    )
    replace = {}
    for start, end in spans:
        if consumed & set(range(start, end)):
            continue
        consumed |= set(range(start, end))
        name = runs[(start, end)]
        term = Term(" ".join(groups[i][0].text for i in range(start, end)))
        if name in topics:
            term.topic_id = topics[name]
            term.topic_names = topic_names[term.topic_id]
        term.organisation_ids = sorted(organisations.get(name, ()))
        replace[start] = (end, term)
    index = 0
    while index < len(groups):
        if index in replace:
            end, term = replace[index]
            expanded.append([term])
            index = end
            continue
        group = []
        for position, term in enumerate(groups[index]):
            name = runs.get((index, index + 1, position))
            if name and (name in topics or name in organisations):
                if name in topics:
                    term.topic_id = topics[name]
                    term.topic_names = topic_names[term.topic_id]
                term.organisation_ids = sorted(organisations.get(name, ()))
            group.append(term)
        expanded.append(group)
        index += 1
    return expanded


# --- Configurations -----------------------------------------------------------------------------

CONFIGS_TTL = 300  # seconds
_configs = {"at": -CONFIGS_TTL, "value": {"english": 1.0}}


def config_shares():
    """{configuration: share of the archive's texts}, for the languages the archive holds: a
    query is read in each configuration and the readings ORed, so it matches texts in every
    language with the index (each configuration is a constant). The languages come from a loose
    index scan over the language indexes (exact); the shares from the planner's statistics
    when the table has them, else from a count (a small or fresh table). Kept a few minutes."""
    now = time.monotonic()
    if now - _configs["at"] < CONFIGS_TTL:
        return _configs["value"]
    counts = {}
    with connection.cursor() as cursor:
        for table in SEARCHED_TABLES:
            cursor.execute(
                f"""
                WITH RECURSIVE l(language) AS (
                    SELECT min(language) FROM {table}
                    UNION ALL
                    SELECT (SELECT min(language) FROM {table} WHERE language > l.language)
                    FROM l WHERE l.language IS NOT NULL
                ) SELECT language FROM l WHERE language IS NOT NULL"""
            )
            languages = [row[0] for row in cursor.fetchall()]
            for language, count in _language_counts(cursor, table, languages).items():
                counts[language] = counts.get(language, 0) + count
    shares = {}
    total = sum(counts.values()) or 1
    for language, count in counts.items():
        config = LANGUAGE_CONFIGS.get(language, FALLBACK_CONFIG)
        shares[config] = shares.get(config, 0) + count / total
    shares.setdefault("english", 0.0)
    # English first, the fallback last: the order only matters for display and tests.
    order = sorted(shares, key=lambda c: (c != "english", c == FALLBACK_CONFIG, c))
    value = {config: shares[config] for config in order}
    _configs.update(at=now, value=value)
    return value


# Tables this large take their languages' shares from the planner's statistics.
ESTIMATED_FROM_ROWS = 100_000


def _language_counts(cursor, table, languages):
    """{language: number of rows (estimated on a large table)}."""
    cursor.execute(
        "SELECT c.reltuples, s.most_common_vals::text::text[], s.most_common_freqs"
        " FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname"
        " AND s.attname = 'language' AND s.schemaname = current_schema()"
        " WHERE c.oid = %s::regclass",
        [table],
    )
    rows, values, freqs = cursor.fetchone() or (-1, None, None)
    if rows < ESTIMATED_FROM_ROWS or values is None:
        cursor.execute(f"SELECT language, count(*) FROM {table} GROUP BY language")
        return dict(cursor.fetchall())
    common = dict(zip(values, freqs, strict=True))
    rest = [language for language in languages if language not in common]
    left = max(0.0, 1.0 - sum(common.values()))
    return {
        language: rows * common.get(language, left / len(rest) if rest else 0.0)
        for language in languages
    }


def search_configs():
    """The configurations of the archive's languages, English first."""
    return tuple(config_shares())


def forget_configs():
    """Read the archive's languages again on the next search (tests, after an import)."""
    _configs["at"] = -CONFIGS_TTL


# --- Compiling a query ------------------------------------------------------------------------


def _or(parts):
    parts = list(dict.fromkeys(p for p in parts if p))
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else " | ".join(f"( {p} )" for p in parts)


def _and(parts):
    parts = [p for p in parts if p]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else " & ".join(f"( {p} )" for p in parts)


def _not(part):
    return f"!( {part} )" if part else ""


# A phrase must stand inside one field: the stored vector joins title, summary and body end to
# end, so "labour trafficking" would otherwise match a title ending in "labour" above a body
# starting with "Trafficking". Each field has its own weight (WEIGHTS), and a phrase is asked
# for in each weight in turn. Headlines, ranking and the unweighted paragraph vectors use the
# plain readings instead (compile_terms keeps both).
FIELD_WEIGHTS = "ABC"
LEXEME_RE = re.compile(r"('(?:[^']|'')+')")


def within_fields(tsquery):
    if "<" not in tsquery:
        return tsquery
    return _or(LEXEME_RE.sub(rf"\1:{weight}", tsquery) for weight in FIELD_WEIGHTS)


# A word that is a stop word in the languages of at least this share of the archive's texts is
# left out of the query, as PostgreSQL leaves out stop words ("the" in an English archive);
# one that is a stop word only in a few texts' language ("war" in German) is searched for,
# and those texts cannot match it.
STOP_WORD_SHARE = 0.5


def compile_terms(groups, shares):
    """Each term's tsquery, as PostgreSQL's own text: its words read in every configuration
    (and in the other spelling), a topic's every name as a phrase. One query whatever the
    number of terms. Returns three dicts keyed by id(term): the tsquery that matches (phrases
    asked for within one field), its plain readings (what ranks and highlights), and for a
    phrase its word pairs with whether positions must be checked too."""
    configs = list(shares)
    expressions, params, slots = [], [], []
    for group in groups:
        for term in group:
            readings = []  # (function, text) pairs, each read in every configuration
            if term.phrase:
                readings.append(("phraseto_tsquery", term.text))
            else:
                readings.append(("plainto_tsquery", term.text))
                variant = spelling_variant(term.text)
                if variant:
                    readings.append(("plainto_tsquery", variant))
                for name in term.topic_names:
                    readings.append(("phraseto_tsquery", name))
                    variant = spelling_variant(name)
                    if variant:
                        readings.append(("phraseto_tsquery", variant))
            slot = []
            for function, text in readings:
                for config in configs:
                    slot.append(len(expressions))
                    expressions.append(f"{function}(%s::regconfig, %s)::text")
                    params += [config, text]
            slots.append((term, readings, slot))
    if not expressions:
        return {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ARRAY[{', '.join(expressions)}]", params)
        values = cursor.fetchone()[0]
    compiled, plain, pairs = {}, {}, {}
    per_reading = len(configs)
    for term, _readings, slot in slots:
        own = [values[i] for i in slot[:per_reading]]
        stopped = sum(shares[c] for c, v in zip(configs, own, strict=True) if not v)
        if not any(own) or stopped >= STOP_WORD_SHARE:
            compiled[id(term)] = ""  # a stop word in most of the archive's texts: ignored
            continue
        readings = [values[i] for i in slot if values[i]]
        compiled[id(term)] = _or(within_fields(v) for v in readings)
        plain[id(term)] = _or(readings)
        if term.phrase:
            # Every reading a chain of two or more words: the phrase has its word pairs.
            chains = [phrase_pairs(v) for v in readings]
            if all(chains):
                pairs[id(term)] = (_or(chains), max(c.count("&") for c in chains) > 0)
    return compiled, plain, pairs


@dataclass
class CompiledQuery:
    """A parsed, expanded query and the SQL that matches and ranks it."""

    text: str
    groups: list
    rank_tsquery: str = ""  # what finds title matches: the query without its exclusions
    # The same without the fields its phrases are asked for in: what ranks and highlights the
    # texts already found (the weights of the text's own words still count in ranking);
    # ts_headline takes a phrase asked for in three fields many times longer.
    plain_tsquery: str = ""
    has_entities: bool = False
    term_tsqueries: dict = field(default_factory=dict)
    term_plain: dict = field(default_factory=dict)  # their plain readings
    # {id(term): (its word pairs as a tsquery, whether they need the positions checked too)}
    term_pairs: dict = field(default_factory=dict)

    @property
    def is_empty(self):
        return not self.rank_tsquery

    @property
    def head_is_match(self):
        """Whether a text that the query finds in its title and summary (search_head) alone
        is a match: when it excludes nothing and has no phrase (a phrase's word pairs are
        stricter than PostgreSQL's phrase operator on the title vector)."""
        return not any(t.negated or t.phrase for g in self.groups for t in g)

    def term_tsquery(self, term):
        return self.term_tsqueries.get(id(term), "")

    def predicate(self, model, column="search_vector"):
        """(sql, params): a boolean SQL condition on the model's table that is true for the
        texts the query finds; on `search_head`, for those it finds in their titles and
        summaries (or sections). Index-friendly: the groups of plain words are one `@@` on
        the vector, and the rest (phrases through their word pairs, named organisations and
        topics) are index conditions joined by AND and OR, which PostgreSQL combines as
        bitmaps."""
        table = connection.ops.quote_name(model._meta.db_table)
        vector = f"{table}.{column}"
        whole = column == "search_vector"
        item = model._meta.model_name
        plain, and_parts, params = [], [], []
        for group in self.groups:
            if all(
                not t.organisation_ids and not t.topic_id and not (whole and t.phrase)
                for t in group
            ):
                plain.append(
                    _or(_not(self.term_tsquery(t)) if t.negated else self.term_tsquery(t)
                        for t in group)
                )  # fmt: skip
                continue
            or_parts, group_params = [], []
            for term in group:
                tsq = self.term_tsquery(term)
                alternatives, term_params = [], []
                if tsq and whole and id(term) in self.term_pairs:
                    pairs, check = self.term_pairs[id(term)]
                    sql = f"{table}.search_pairs @@ %s::tsquery"
                    term_params.append(pairs)
                    if check:  # three words or more: their pairs may stand apart
                        sql = f"({sql} AND {vector} @@ %s::tsquery)"
                        term_params.append(tsq)
                    alternatives.append(sql)
                elif tsq:
                    alternatives.append(f"{vector} @@ %s::tsquery")
                    term_params.append(tsq)
                if tsq and whole and term.phrase:
                    # Phrases in the tails of long texts, past the position limit: their
                    # paragraphs.
                    alternatives.append(
                        f"{table}.id = ANY(ARRAY(SELECT {item}_id FROM statements_searchpassage"
                        f" WHERE vector @@ %s::tsquery AND {item}_id IS NOT NULL))"
                    )
                    term_params.append(self.term_plain[id(term)])
                if term.organisation_ids:
                    if item == "statement":
                        alternatives.append(f"{table}.organisation_id = ANY(%s)")
                    else:
                        alternatives.append(
                            f"{table}.congress_id = ANY(ARRAY(SELECT id FROM statements_congress"
                            " WHERE organisation_id = ANY(%s)))"
                        )
                    term_params.append(term.organisation_ids)
                if term.topic_id:
                    alternatives.append(
                        f"{table}.id = ANY(ARRAY(SELECT {item}_id FROM statements_{item}_topics"
                        " WHERE topic_id = ANY(ARRAY(" + TOPIC_BELOW_SQL + "))))"
                    )
                    term_params.append(term.topic_id)
                if not alternatives:
                    continue
                sql = "(" + " OR ".join(alternatives) + ")"
                or_parts.append(f"NOT {sql}" if term.negated else sql)
                group_params += term_params
            if or_parts:
                and_parts.append("(" + " OR ".join(or_parts) + ")")
                params += group_params
        plain_tsquery = _and(plain)
        if plain_tsquery:
            and_parts.insert(0, f"{vector} @@ %s::tsquery")
            params.insert(0, plain_tsquery)
        return "(" + " AND ".join(and_parts or ["false"]) + ")", params


TOPIC_BELOW_SQL = (
    "WITH RECURSIVE below(id) AS (SELECT %s::bigint UNION"
    " SELECT t.id FROM statements_topic t JOIN below ON t.parent_id = below.id)"
    " SELECT id FROM below"
)


def compile_query(text, groups):
    compiled_terms, plain_terms, pairs = compile_terms(groups, config_shares())
    query = CompiledQuery(
        text, groups, term_tsqueries=compiled_terms, term_plain=plain_terms, term_pairs=pairs
    )
    ranked, plain = [], []
    for group in groups:
        positives, plain_positives = [], []
        for term in group:
            if term.organisation_ids or term.topic_id:
                query.has_entities = True
            if not term.negated:
                positives.append(compiled_terms.get(id(term), ""))
                plain_positives.append(plain_terms.get(id(term), ""))
        ranked.append(_or(positives))
        plain.append(_or(plain_positives))
    query.rank_tsquery = _and(ranked)
    query.plain_tsquery = _and(plain)
    if query.has_entities and not query.rank_tsquery:
        # Only names matched (an acronym that is a stop word, say): rank on their words.
        query.rank_tsquery = _or(
            compiled_terms.get(id(t), "") for g in groups for t in g if not t.negated
        )
        query.plain_tsquery = _or(
            plain_terms.get(id(t), "") for g in groups for t in g if not t.negated
        )
    return query


class Match(RawSQL):
    """A boolean SQL condition usable in QuerySet.filter()."""

    def __init__(self, sql, params):
        super().__init__(sql, params, output_field=BooleanField())


# --- Running a search -------------------------------------------------------------------------

PER_PAGE = 20
# Ranking reads this many matches of each type (the first found, plus as many again that match
# in the title or summary): exact for queries that match fewer, and the best of a well-chosen
# sample for common words, whose best matches have them in the title. It is also the most a
# search lists (15 pages): ranking every match of a word in 20% of a million texts would
# read 200,000 vectors.
CANDIDATES = 300
COUNT_CAP = 1_000
# A search's statements stop after this long (a phrase of two words that are each in a fifth
# of a million texts makes PostgreSQL check the positions in every text that has both): the
# reader gets a message instead of a page that never comes.
MATCH_TIMEOUT_MS = 3_000
# Facet counts are computed over at most this many matches of each type: exact below it,
# labelled approximate above.
FACET_SAMPLE = 300
SORTS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}
DEFAULT_SORT = "relevance"

HIGHLIGHT_START, HIGHLIGHT_STOP, FRAGMENT_BREAK = "\ue000", "\ue001", "\ue002"
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=40, MinWords=18, "
    f"ShortWord=2, MaxFragments=2, FragmentDelimiter={FRAGMENT_BREAK}"
)
TITLE_OPTIONS = f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, HighlightAll=true"


def highlighted(text):
    """Escape first, then turn the sentinel markers PostgreSQL put in into <mark>: nothing of
    the stored text is ever trusted as HTML."""
    html = escape(text)
    html = html.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
    return mark_safe(html)


def strip_markers(text):
    return text.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_STOP, "")


SNIPPETS = 3  # passages shown per result


@dataclass
class Snippet:
    html: str
    paragraph: int | None = None


def _sql(queryset):
    return queryset.query.sql_with_params()


def matched(model, query):
    """The model's rows that the query finds (published statements only)."""
    from .models import public

    sql, params = query.predicate(model)
    return public(model).filter(Match(sql, params))


def head_matched(model, query):
    """The model's rows that match the query in their title and summary (or section) alone,
    or by a name it gives (LO's statements for "LO")."""
    from .models import public

    sql, params = query.predicate(model, column="search_head")
    return public(model).filter(Match(sql, params))


# The title index is asked first only for queries that the vocabulary says match more texts
# than this: for rarer ones the whole-text index is cheap, and one query is cheaper than two.
HEAD_FIRST_FROM = 20_000


def estimated_matches(query):
    """How many texts the query's words are in, from the vocabulary's counts: the largest for
    a query of alternatives, the smallest when words are ANDed or in a phrase."""
    lexemes = sorted(
        {lex.replace("''", "'") for lex in re.findall(r"'((?:[^']|'')+)'", query.rank_tsquery)}
    )
    if not lexemes:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(documents), 0), coalesce(min(documents), 0)"
            " FROM statements_searchword WHERE word = ANY(%s)",
            [lexemes],
        )
        most, least = cursor.fetchone()
    return least if ("&" in query.rank_tsquery or "<" in query.rank_tsquery) else most


def head_sets(query, data):
    """(statements, resolutions) that the query finds in their titles and summaries (or by a
    name it gives), under the positions filters in `data`."""
    from .filters import PositionFilterSet
    from .models import Resolution, Statement

    return PositionFilterSet(
        data,
        statements=head_matched(Statement, query),
        resolutions=head_matched(Resolution, query),
    ).filtered()


def find_matches(query, statements, resolutions, heads):
    """({type: up to COUNT_CAP + 1 matching ids}, {types answered from titles alone}).
    `heads` are the query's head_sets(), or None when its title matches are not matches.

    A common word's posting list in the whole-text index holds hundreds of thousands of rows,
    and reading it costs tens of milliseconds even to take the first thousand. When the query
    excludes nothing, a title or summary match is a match (the whole-text vector holds the
    title and summary too), and so is a statement of an organisation it names; so the small
    title index (and the organisation index) is asked first: if it alone finds more than the
    cap, those are the matches counted ("1,000+"), ranked and sampled, and the whole-text
    index is not read at all for that type."""

    head_only = set()
    if heads is None or (not query.has_entities and estimated_matches(query) <= HEAD_FIRST_FROM):
        return matching_ids(statements, resolutions, COUNT_CAP + 1), head_only
    head_ids = matching_ids(*heads, COUNT_CAP + 1)
    head_only = {kind for kind, found in head_ids.items() if len(found) > COUNT_CAP}
    if head_only == {"statement", "resolution"}:
        return head_ids, head_only
    body = matching_ids(
        statements.none() if "statement" in head_only else statements,
        resolutions.none() if "resolution" in head_only else resolutions,
        COUNT_CAP + 1,
    )
    return {kind: head_ids[kind] if kind in head_only else body[kind] for kind in body}, head_only


def rank_page(query, statements, resolutions, sort, offset, limit, ids, head_only=(), heads=None):
    """Phase one: the page's (type, id) rows, in order, without reading any text. `ids` are
    the matches already found (all of them when there are no more than COUNT_CAP); `heads`,
    when the query's title matches are matches, the head_sets() to take candidates from
    without asking the whole-text index again."""
    parts, params = [], []
    heads = dict(zip(("statement", "resolution"), heads, strict=True)) if heads else {}
    for kind, queryset, table in (
        ("statement", statements, "statements_statement"),
        ("resolution", resolutions, "statements_resolution"),
    ):
        if queryset.query.is_empty():
            continue
        queryset = queryset.order_by()
        if kind == "statement":
            date_sql = "t.date"
        else:
            date_sql = (
                "(SELECT coalesce(c.start_date, make_date(c.year, 1, 1))"
                " FROM statements_congress c WHERE c.id = t.congress_id)"
            )
        complete = len(ids[kind]) <= COUNT_CAP
        if sort == "relevance" and kind in head_only:
            # Candidates that all match in their titles: order them by the small title vector,
            # then rank the best few (enough for this page and the next) on the whole text.
            parts.append(
                f"SELECT %s AS type, t.id, ts_rank(t.search_vector, %s::tsquery, 1)"
                f" AS rank, {date_sql} AS date"
                f" FROM (SELECT h.id FROM {table} h WHERE h.id = ANY(%s)"
                f" ORDER BY ts_rank(h.search_head, %s::tsquery, 1) DESC, h.id LIMIT %s) c"
                f" JOIN {table} t ON t.id = c.id"
            )
            params += [
                kind, query.plain_tsquery, ids[kind][:CANDIDATES],
                query.plain_tsquery, offset + 2 * limit,
            ]  # fmt: skip
            continue
        if sort == "relevance":
            first_sql, first_params = "SELECT unnest(%s::bigint[]) AS id", [ids[kind][:CANDIDATES]]
            if kind in heads:
                head = heads[kind]
            else:
                head = queryset.filter(
                    Match(f"{table}.search_head @@ %s::tsquery", [query.rank_tsquery])
                )
            head_sql, head_params = _sql(head.order_by().values("id", "search_head")[:CANDIDATES])
            boost, boost_params = "0", []
            organisation_ids = sorted(
                {i for g in query.groups for t in g if not t.negated for i in t.organisation_ids}
            )
            if organisation_ids and kind == "statement":
                boost = "CASE WHEN t.organisation_id = ANY(%s) THEN 0.1 ELSE 0 END"
                boost_params = [organisation_ids]
            # The title candidates are ordered by their small title vectors first, and only
            # the best few (enough for this page and the next) ranked on the whole text.
            best_head_sql = (
                f"SELECT hh.id FROM ({head_sql}) hh"
                f" ORDER BY ts_rank(hh.search_head, %s::tsquery, 1) DESC, hh.id LIMIT %s"
            )
            parts.append(
                f"SELECT %s AS type, t.id, ts_rank(t.search_vector, %s::tsquery, 1) + {boost}"
                f" AS rank, {date_sql} AS date"
                f" FROM (({first_sql}) UNION ({best_head_sql})) c JOIN {table} t ON t.id = c.id"
            )
            params += [
                kind, query.plain_tsquery, *boost_params, *first_params, *head_params,
                query.plain_tsquery, offset + 2 * limit,
            ]  # fmt: skip
        elif complete:
            # Every match is known: sort them all by date, exactly.
            parts.append(
                f"SELECT %s AS type, t.id, 0 AS rank, {date_sql} AS date"
                f" FROM {table} t WHERE t.id = ANY(%s)"
            )
            params += [kind, ids[kind]]
        else:
            descending = sort == "newest"
            if kind == "statement":
                order = (
                    F("date").desc(nulls_last=True)
                    if descending
                    else F("date").asc(nulls_last=True)
                )
                inner = queryset.order_by(order, "id").values("id")[: offset + limit]
            else:
                order = "-congress__year" if descending else "congress__year"
                inner = queryset.order_by(order, "id").values("id")[: offset + limit]
            inner_sql, inner_params = _sql(inner)
            parts.append(
                f"SELECT %s AS type, t.id, 0 AS rank, {date_sql} AS date"
                f" FROM ({inner_sql}) c JOIN {table} t ON t.id = c.id"
            )
            params += [kind, *inner_params]
    if not parts:
        return []
    if sort == "relevance":
        order = "rank DESC, date DESC NULLS LAST, type DESC, id"
    elif sort == "newest":
        order = "date DESC NULLS LAST, type DESC, id"
    else:
        order = "date ASC NULLS LAST, type DESC, id"
    sql = " UNION ALL ".join(f"({p})" for p in parts)
    sql = f"SELECT type, id FROM ({sql}) ranked ORDER BY {order} LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()


def matching_ids(statements, resolutions, limit):
    """{type: ids of up to `limit` matches}, in the order the index yields them: one query."""
    parts, params = [], []
    for queryset in (statements, resolutions):
        if queryset.query.is_empty():
            parts.append("ARRAY[]::bigint[]")
            continue
        sql, p = _sql(queryset.order_by().values("id")[:limit])
        parts.append(f"ARRAY({sql})")
        params += p
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        found = cursor.fetchone()
    return {"statement": found[0], "resolution": found[1]}


def snippets(query, rows):
    """Phase two: for the page's rows only, the title and the matching passage highlighted.
    Long texts take their passage from the best-matching paragraph (found through its own
    vector), so snippets work to the very end of a 126,000-character speech."""
    sentinels = HIGHLIGHT_START + HIGHLIGHT_STOP + FRAGMENT_BREAK
    tsq = query.plain_tsquery
    pattern = lexeme_pattern(tsq)
    parts, params = [], []
    for kind, table, fk in (
        ("statement", "statements_statement", "statement_id"),
        ("resolution", "statements_resolution", "resolution_id"),
    ):
        ids = [pk for row_kind, pk in rows if row_kind == kind]
        if not ids:
            continue
        parts.append(f"""
            SELECT %s, t.id, p.number,
                   ts_headline(archive_search_config(t.language), translate(t.title, %s, ''),
                               %s::tsquery, %s),
                   ts_headline(archive_search_config(t.language),
                               translate(CASE
                                   WHEN p.number IS NOT NULL
                                       THEN split_part(t.text, E'\\n\\n', p.number)
                                   WHEN length(t.text) <= {WINDOW_FROM}
                                       THEN t.text
                                   ELSE substr(t.text, greatest(1, w.at - {WINDOW_BEFORE}),
                                               {WINDOW_LENGTH})
                               END, %s, ''),
                               %s::tsquery, %s)
            FROM {table} t
            CROSS JOIN LATERAL (
                SELECT CASE WHEN length(t.text) <= {WINDOW_FROM} THEN 1
                            ELSE coalesce(nullif(regexp_instr(t.text, %s, 1, 1, 0, 'i'), 0), 1)
                       END AS at
            ) w
            LEFT JOIN LATERAL (
                SELECT sp.number FROM statements_searchpassage sp
                WHERE sp.{fk} = t.id AND length(t.text) > {LONG_TEXT_CHARS}
                ORDER BY ts_rank(sp.vector, %s::tsquery) DESC, sp.number
                LIMIT 1
            ) p ON true
            WHERE t.id = ANY(%s)""")
        params += [
            kind, sentinels, tsq, TITLE_OPTIONS, sentinels, tsq, HEADLINE_OPTIONS, pattern,
            tsq, ids,
        ]  # fmt: skip
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {
            (kind, pk): (title, number, body) for kind, pk, number, title, body in cursor.fetchall()
        }


# Texts longer than this are headlined in a window around the first word that matches (found
# by a regular expression, much cheaper than parsing a 100,000-character speech).
WINDOW_FROM, WINDOW_BEFORE, WINDOW_LENGTH = 4_000, 300, 1_500


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


def passage_snippets(text, paragraph, headline):
    """The headline's fragments, each with the number of the paragraph it comes from.
    PostgreSQL's headline keeps the text's own characters, so a fragment is found in the text
    as it is, and its paragraph is the number of blank lines before it."""
    result = []
    for fragment in headline.split(FRAGMENT_BREAK):
        # A fragment of a short text may run over a paragraph break: keep the pieces that
        # hold a match, each with its own paragraph number.
        pieces = [p.strip() for p in fragment.split("\n\n") if p.strip()]
        marked = [p for p in pieces if HIGHLIGHT_START in p] or pieces[:1]
        for piece in marked:
            number = paragraph
            if number is None:
                at = text.find(strip_markers(piece)[:80])
                number = text.count("\n\n", 0, at) + 1 if at >= 0 else None
            result.append(Snippet(highlighted(piece), number))
    return result[:SNIPPETS]


# --- Did you mean -----------------------------------------------------------------------------

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


def corrections(words):
    """{word: Correction} for the words the archive does not know, each replaced by the
    closest one it does know. The vocabulary holds lexemes (stems, in each text's language):
    a query word is read in every search configuration, trigram similarity finds lexemes
    close to its readings through the index, the edit distance (with transpositions:
    "chlid" is one edit from "child") and how many texts use it choose among them, and the
    correction is spelt as a text spells it. Organisation short names and topic aliases count
    as known words too (ITCU -> ITUC)."""
    words = sorted({w for w in (normalise_name(w) for w in words) if w and len(w) >= 3})
    words = [w for w in words if " " not in w]
    if not words:
        return {}
    configs = list(search_configs())
    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT w, array_remove(array_agg(DISTINCT l), NULL),
                   bool_or(v.word IS NOT NULL) OR EXISTS (
                       SELECT 1 FROM statements_organisation o
                       WHERE {NAME_SQL.format("o.short_name")} = w)
                   OR EXISTS (
                       SELECT 1 FROM statements_alias a WHERE {NAME_SQL.format("a.name")} = w)
            FROM unnest(%s::text[]) w
            CROSS JOIN unnest(%s::regconfig[]) c
            LEFT JOIN LATERAL unnest(tsvector_to_array(to_tsvector(c, w))) l ON true
            LEFT JOIN statements_searchword v ON v.word = l
            GROUP BY w""",
            [words, configs],
        )
        unknown = {w: lexemes for w, lexemes, known in cursor.fetchall() if not known}
        if not unknown:
            return {}
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [SUGGESTION_THRESHOLD])
        for word, lexemes in unknown.items():
            best = None
            for lexeme in {*lexemes, word}:
                cursor.execute(
                    f"""
                    (SELECT word, NULL, documents FROM statements_searchword
                     WHERE word %% %s ORDER BY word <-> %s LIMIT 30)
                    UNION ALL
                    SELECT n, o.short_name, %s
                    FROM statements_organisation o, {NAME_SQL.format("o.short_name")} n
                    WHERE n <> '' AND n %% %s
                    UNION ALL
                    SELECT n, a.name, %s FROM statements_alias a, {NAME_SQL.format("a.name")} n
                    WHERE n %% %s AND n NOT LIKE '%% %%'""",
                    [lexeme, lexeme, NAME_WEIGHT, lexeme, NAME_WEIGHT, lexeme],
                )
                for candidate, name, documents in cursor.fetchall():
                    distance = edit_distance(lexeme if name is None else word, candidate)
                    if distance > allowed_edits(word):
                        continue
                    key = (distance, -documents, candidate)
                    if best is None or key < best[0]:
                        best = (key, Correction(word, name or candidate, distance, documents))
                        best[1].is_lexeme = name is None
            if best:
                found[word] = best[1]
        for correction in found.values():
            if correction.is_lexeme:
                correction.replacement = spelt(cursor, correction.replacement)
    return found


def spelt(cursor, lexeme):
    """A lexeme as a text spells it ('traffick' -> 'trafficking'): the word that a headline
    marks in the first text using it (looked for in a short window, so it costs little)."""
    needle = lexeme[:-1] if len(lexeme) > 4 else lexeme
    for table in SEARCHED_TABLES:
        cursor.execute(
            f"""
            SELECT ts_headline(archive_search_config(t.language),
                               substr(t.text, greatest(1, strpos(lower(t.text), %s) - 40), 200),
                               quote_literal(%s)::tsquery, %s)
            FROM {table} t WHERE t.search_vector @@ quote_literal(%s)::tsquery
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


# --- The search -------------------------------------------------------------------------------


class SearchPageError(ValueError):
    """A page number that is not a positive whole number, or lies beyond the last page."""


@dataclass
class SearchResults:
    """Everything the search page shows."""

    raw: str
    text: str = ""  # the query as searched (cleaned, or corrected)
    message: str = ""  # why nothing was searched, when nothing was
    query: CompiledQuery | None = None
    sort: str = DEFAULT_SORT
    page_number: int = 1
    positions: list = field(default_factory=list)
    statements: int = 0
    resolutions: int = 0
    organisations: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    facets: list = field(default_factory=list)
    years: list = field(default_factory=list)
    facets_approximate: bool = False
    corrected_from: str = ""  # the reader's query, when results are shown for a correction
    suggestion: str = ""  # a correction offered as a link

    @property
    def count(self):
        return self.statements + self.resolutions

    @property
    def count_is_capped(self):
        return self.count > COUNT_CAP

    @property
    def shown(self):
        return min(self.count, CANDIDATES)

    @property
    def pages(self):
        return max(1, -(-self.shown // PER_PAGE))

    @property
    def searched(self):
        return self.query is not None


def prepare(raw):
    """(text, compiled query or None, message): read, check and compile a query."""
    text = clean_query(raw)
    if not text:
        return text, None, ""
    if len(text) > MAX_QUERY_CHARS:
        return (
            text,
            None,
            f"Your search is {len(text):,} characters long; searches are limited to "
            f"{MAX_QUERY_CHARS} characters. Shorten it to its key words.",
        )
    groups = parse_query(text)
    if not groups:
        return text, None, "Your search has no words in it. Type a word or two to search for."
    if sum(len(g) for g in groups) > MAX_TERMS:
        return (
            text,
            None,
            f"Your search has more than {MAX_TERMS} words or phrases. Keep the ones that "
            "matter most.",
        )
    groups = expand_names(groups)
    query = compile_query(text, groups)
    if query.is_empty:
        positive = [t for g in groups for t in g if not t.negated]
        if not positive:
            return (
                text,
                None,
                "Your search only excludes words. Add a word to search for, such as "
                f"“trafficking {text}”.",
            )
        return (
            text,
            None,
            "Your search only has very common words (such as “the”, “of” or “and”), which "
            "the search leaves out. Add a more specific word, or quote a phrase.",
        )
    return text, query, ""


def search_archive(raw, data=None, *, sort=DEFAULT_SORT, page=1, exact=False, base_url=""):
    """Search statements, resolutions, organisations and topics.

    `data` holds the positions view's filter parameters (a QueryDict), applied through the
    same PositionFilterSet; it raises filters.InvalidFilters for a bad value. `exact` turns
    off the automatic correction of a misspelt query. Raises SearchPageError for a bad page."""
    from django.http import QueryDict

    from .filters import PositionFilterSet

    data = data.copy() if data is not None else QueryDict(mutable=True)
    for name in ("q", "sort", "page", "exact"):
        data.pop(name, None)
    sort = sort if sort in SORTS else DEFAULT_SORT
    results = SearchResults(raw=raw or "", sort=sort)
    text, query, message = prepare(raw)
    results.text, results.message = text, message
    if query is None:
        if text and not message:
            results.message = "Type a word or two to search for."
        # Still validate the filters: a bad filter is a 400 whatever the query.
        PositionFilterSet(data).filtered()
        return results

    run(results, query, data, page, base_url)
    if results.count == 0 and not results.message:
        words = [
            w
            for g in query.groups
            for t in g
            if not t.negated and not t.organisation_ids and not t.topic_id
            for w in WORD_RE.findall(t.text)
        ]
        found = corrections(words)
        if found:
            suggestion = corrected_text(text, found)
            _text, corrected_query, _message = prepare(suggestion)
            if corrected_query is not None and confident(found) and not exact:
                attempt = SearchResults(raw=raw, sort=sort, text=suggestion)
                run(attempt, corrected_query, data, page, base_url)
                if attempt.count:
                    attempt.corrected_from = text
                    return attempt
            results.suggestion = suggestion
    return results


def run(results, query, data, page, base_url):
    """Run a compiled query into `results`, in one transaction in which PostgreSQL is told to
    prefer the indexes: a text's vector is stored out of line (TOAST), so a sequential scan
    looks cheap to the planner on a table of long texts while it reads every vector. JIT
    compilation is off: the estimates of a scan of a large posting list cross its threshold,
    and compiling costs more than the few hundred rows a search reads."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),"
            " set_config('statement_timeout', %s, true)",
            [str(MATCH_TIMEOUT_MS)],
        )
        _run(results, query, data, page, base_url)


def _run(results, query, data, page, base_url):
    from .filters import PositionFilterSet
    from .models import Resolution, Statement

    results.query = query
    positions = PositionFilterSet(
        data, statements=matched(Statement, query), resolutions=matched(Resolution, query)
    )
    statements, resolutions = positions.filtered()
    heads = head_sets(query, data) if query.head_is_match else None
    # The one pass over the index (and, for phrases, over the rows to check positions) that
    # the counts, the candidates and the facet sample all share.
    try:
        ids, head_only = find_matches(query, statements, resolutions, heads)
    except OperationalError:  # the time limit: a phrase of two very common words, say
        transaction.set_rollback(True)
        results.message = (
            "This search takes too long to answer exactly: its words are in a great many "
            "texts, and checking where they stand next to each other means reading them all. "
            "Add a rarer word, or search without the quotes."
        )
        return
    results.statements, results.resolutions = len(ids["statement"]), len(ids["resolution"])
    try:
        number = int(page)
    except (TypeError, ValueError):
        raise SearchPageError("A page is a whole number from 1.") from None
    if number < 1 or number > results.pages:
        raise SearchPageError(
            "There is no such page: pages run from 1"
            + (f" to {results.pages}." if results.pages > 1 else ".")
        )
    results.page_number = number
    rows = rank_page(
        query,
        statements,
        resolutions,
        results.sort,
        (number - 1) * PER_PAGE,
        PER_PAGE,
        ids,
        head_only,
        heads=heads,
    )
    results.positions = positions.hydrate(rows)
    found = snippets(query, rows)
    for position in results.positions:
        title, paragraph, body = found.get((position.type, position.object.pk), ("", None, ""))
        position.title_html = highlighted(title) if title else position.object.title
        position.snippets = passage_snippets(position.object.text, paragraph, body)
    facet_set(results, query, data, base_url, ids)
    entities(results, query)


def facet_set(results, query, data, base_url, ids):
    """Facet counts through the positions FilterSet, over (at most) the first FACET_SAMPLE
    matches of each type: the same filters and toggle links as the positions view, exact
    when the query matches fewer, and labelled approximate when it matches more."""
    from .filters import FILTER_PARAMETERS, PositionFilterSet, canonical_params, canonical_query
    from .models import Resolution, Statement

    extra = {"q": results.text}
    if results.sort != DEFAULT_SORT:
        extra["sort"] = results.sort
    if not any(canonical_params(data).get(name) for name in FILTER_PARAMETERS):
        # No filter chosen: every facet counts the same set, so one query counts them all.
        unfiltered_facets(results, ids, base_url, extra)
        return
    samples = []
    for model in (Statement, Resolution):
        ids = list(
            matched(model, query).order_by().values_list("id", flat=True)[: FACET_SAMPLE + 1]
        )
        results.facets_approximate |= len(ids) > FACET_SAMPLE
        table = connection.ops.quote_name(model._meta.db_table)
        samples.append(model.objects.filter(Match(f"{table}.id = ANY(%s)", [ids[:FACET_SAMPLE]])))
    sample = PositionFilterSet(data, statements=samples[0], resolutions=samples[1])
    results.facets = sample.facets(base_url, extra=extra)
    current = sample.canonical_params()
    chosen = (current.get("year_from", [None])[0], current.get("year_to", [None])[0])
    for year, count in sample.timeline().years:
        if not count:
            continue
        params = dict(current)
        selected = chosen == (str(year), str(year))
        if selected:
            params.pop("year_from", None), params.pop("year_to", None)
        else:
            params.update(year_from=[str(year)], year_to=[str(year)])
        params.pop("page", None)
        results.years.append(
            {
                "year": year,
                "count": count,
                "selected": selected,
                "url": base_url + canonical_query(params, extra),
            }
        )
    results.years.sort(key=lambda y: -y["year"])


def unfiltered_facets(results, ids, base_url, extra):
    """The positions view's facets (same names, values, labels and links) for a search with
    no filter chosen, counted in one query over the first FACET_SAMPLE matches of each type.
    A parent topic counts the texts of its sub-topics, each text once."""
    from .filters import (
        FACET_LIMIT,
        FACETS,
        TYPE_CHOICES,
        Facet,
        FacetValue,
        canonical_query,
        facet_labels,
    )

    s_sql = (
        "SELECT id, kind, organisation_id AS f_organisation, language,"
        " extract(year FROM date)::int AS f_year FROM statements_statement WHERE id = ANY(%s)"
    )
    r_sql = (
        "SELECT r.id, c.organisation_id AS f_organisation, r.language, c.year AS f_year"
        " FROM statements_resolution r JOIN statements_congress c ON c.id = r.congress_id"
        " WHERE r.id = ANY(%s)"
    )
    s_params = [ids["statement"][:FACET_SAMPLE]]
    r_params = [ids["resolution"][:FACET_SAMPLE]]
    results.facets_approximate = any(len(v) > FACET_SAMPLE for v in ids.values())
    # Each item carries its organisation's facet values: the organisations are joined once.
    sql = f"""
        WITH RECURSIVE s AS MATERIALIZED ({s_sql}), r AS MATERIALIZED ({r_sql}),
        items AS MATERIALIZED (
            SELECT i.*, o.key AS o_key, coalesce(nullif(o.short_name, ''), o.name) AS o_label,
                   o.country AS o_country, o.kind AS o_kind
            FROM (
                SELECT 'statement' AS type, id, kind, f_organisation, language, f_year FROM s
                UNION ALL
                SELECT 'resolution', id, NULL, f_organisation, language, f_year FROM r
            ) i JOIN statements_organisation o ON o.id = i.f_organisation
        ),
        closure(ancestor, descendant) AS (
            SELECT id, id FROM statements_topic
            UNION SELECT c.ancestor, t.id FROM closure c
            JOIN statements_topic t ON t.parent_id = c.descendant
        ),
        tags AS (
            SELECT 'statement' AS type, statement_id AS item, topic_id
            FROM statements_statement_topics WHERE statement_id IN (SELECT id FROM s)
            UNION ALL
            SELECT 'resolution', resolution_id, topic_id
            FROM statements_resolution_topics WHERE resolution_id IN (SELECT id FROM r)
        )
        SELECT 'type', type, '', count(*) FROM items GROUP BY type
        UNION ALL SELECT %s, o_key, o_label, count(*) FROM items GROUP BY 2, 3
        UNION ALL SELECT %s, o_country, '', count(*) FROM items WHERE o_country <> ''
            GROUP BY 2
        UNION ALL SELECT %s, o_kind, '', count(*) FROM items WHERE o_kind <> '' GROUP BY 2
        UNION ALL SELECT 'kind', kind, '', count(*) FROM items WHERE type = 'statement'
            GROUP BY kind
        UNION ALL SELECT 'language', language, '', count(*) FROM items GROUP BY language
        UNION ALL SELECT 'year', f_year::text, '', count(*) FROM items
            WHERE f_year IS NOT NULL GROUP BY f_year
        UNION ALL SELECT 'topic', t.key, t.name, count(*)
            FROM (SELECT DISTINCT tags.type, tags.item, c.ancestor FROM tags
                  JOIN closure c ON c.descendant = tags.topic_id) tagged
            JOIN statements_topic t ON t.id = tagged.ancestor
            GROUP BY t.key, t.name"""
    params = [*s_params, *r_params, "organisation", "country", "organisation_kind"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    labels = facet_labels()
    counted = {}
    for facet, value, label, count in rows:
        if facet in labels:
            label = labels[facet].get(value, value)
        counted.setdefault(facet, []).append((value, label, count))

    def url(params):
        return base_url + canonical_query(params, extra)

    for name, title in FACETS:
        values = counted.get(name, [])
        if name == "type":
            order = [value for value, _label in TYPE_CHOICES]
            values.sort(key=lambda v: order.index(v[0]) if v[0] in order else len(order))
        else:
            values.sort(key=lambda v: (-v[2], str(v[1]).lower()))
        facet = Facet(name, title, more=max(0, len(values) - FACET_LIMIT))
        for value, label, count in values[:FACET_LIMIT]:
            facet.values.append(FacetValue(value, label, count, False, url({name: [value]})))
        results.facets.append(facet)
    for value, _label, count in counted.get("year", []):
        results.years.append(
            {
                "year": int(value),
                "count": count,
                "selected": False,
                "url": url({"year_from": [value], "year_to": [value]}),
            }
        )
    results.years.sort(key=lambda y: -y["year"])


ENTITY_LIMIT = 5


def entities(results, query):
    """Organisations and topics the query names: by acronym or name (LO, ITUC), or whose
    names contain all its words."""
    from django.contrib.postgres.aggregates import ArrayAgg

    from .models import Organisation, Topic

    organisation_ids = {
        i for g in query.groups for t in g if not t.negated for i in t.organisation_ids
    }
    topic_ids = {t.topic_id for g in query.groups for t in g if t.topic_id and not t.negated}
    words = normalise_name(" ".join(t.text for g in query.groups for t in g if not t.negated))
    if not words:
        return
    contains = f"%{words}%"
    organisations = Organisation.objects.filter(
        Q(pk__in=organisation_ids)
        | Q(Match("archive_name(statements_organisation.name) LIKE %s", [contains]))
    )
    results.organisations = list(organisations.order_by("name")[:ENTITY_LIMIT])
    topics = Topic.objects.filter(
        Q(pk__in=topic_ids)
        | Q(Match("archive_name(statements_topic.name) LIKE %s", [contains]))
        | Q(
            Match(
                "statements_topic.id IN (SELECT topic_id FROM statements_alias"
                " WHERE archive_name(name) LIKE %s)",
                [contains],
            )
        )
    ).annotate(
        alias_names=ArrayAgg(
            "aliases__name",
            filter=Q(aliases__isnull=False),
            order_by=("aliases__position", "aliases__id"),
            default=Value([]),
        )
    )
    results.topics = list(topics.order_by("name")[:ENTITY_LIMIT])
