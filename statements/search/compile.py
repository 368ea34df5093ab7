"""Compiling a parsed query: the names it gives (topics, organisations), the archive's
languages it is read in, each term's tsquery as PostgreSQL's own text, and the SQL condition
that finds the texts it matches."""

import re
import time
from dataclasses import dataclass, field

from django.db import connection

from ..models import (
    Alias,
    Congress,
    Organisation,
    Resolution,
    SearchPassage,
    Statement,
    Topic,
    table,
)
from .config import FALLBACK_CONFIG, FIELD_WEIGHTS, LANGUAGE_CONFIGS
from .parse import WORD_RE, Term, normalise_name
from .spelling import spelling_variants, spellings

PHRASE_CHAIN_RE = re.compile(r"^'(?:[^']|'')+'(?: <(?:-|\d+)> '(?:[^']|'')+')+$")
CHAIN_STEP_RE = re.compile(r"'((?:[^']|'')+)'|<(-|\d+)>")
SEARCHED_MODELS = (Statement, Resolution)


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


# archive_name(text): the SQL twin of parse.normalise_name(), IMMUTABLE so that it can be indexed
# (migration 0004 creates it, with expression and trigram indexes on every name).
NAME_SQL = "archive_name({})"


LONGEST_NAME_WORDS = 6


def expand_names(groups, tree):
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
    # Each name looked up in every spelling ("international labor organisation" finds the
    # International Labour Organization), and read back as the run's own.
    spelt = {}
    for name in sorted({n for n in runs.values() if n}):
        for variant in (name, *spelling_variants(name)):
            spelt.setdefault(normalise_name(variant), name)
    names = sorted(spelt)
    if not names:
        return groups
    # A single word that opens exactly one topic's name or alias ("trafficking" for
    # "Trafficking in human beings") stands for that topic too: texts on THB are found.
    heads = sorted(
        {
            variant
            for key, name in runs.items()
            if name and " " not in name and (len(key) == 3 or key[1] - key[0] == 1)
            for variant in names
            if spelt[variant] == name
        }
    )
    topics, heads_found, organisations, topic_names = {}, {}, {}, {}
    organisation_names = {}
    topic_table, alias_table, organisation_table = table(Topic), table(Alias), table(Organisation)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH names AS (
                SELECT t.id AS topic_id, {NAME_SQL.format("t.name")} AS n FROM {topic_table} t
                WHERE split_part({NAME_SQL.format("t.name")}, ' ', 1) = ANY(%s)
                UNION ALL
                SELECT a.topic_id, {NAME_SQL.format("a.name")} FROM {alias_table} a
                WHERE split_part({NAME_SQL.format("a.name")}, ' ', 1) = ANY(%s)
            ), hits AS (
                SELECT 'topic' AS kind, n AS name, min(topic_id) AS id FROM (
                    SELECT t.id AS topic_id, {NAME_SQL.format("t.name")} AS n
                    FROM {topic_table} t WHERE {NAME_SQL.format("t.name")} = ANY(%s)
                    UNION ALL
                    SELECT a.topic_id, {NAME_SQL.format("a.name")}
                    FROM {alias_table} a WHERE {NAME_SQL.format("a.name")} = ANY(%s)
                ) named GROUP BY n
                UNION ALL
                SELECT 'head', split_part(n, ' ', 1), min(topic_id)
                FROM names WHERE n LIKE '%% %%' AND split_part(n, ' ', 1) = ANY(%s)
                GROUP BY 2 HAVING count(DISTINCT topic_id) = 1
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.name")}, o.id
                FROM {organisation_table} o WHERE {NAME_SQL.format("o.name")} = ANY(%s)
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.short_name")}, o.id
                FROM {organisation_table} o WHERE {NAME_SQL.format("o.short_name")} = ANY(%s)
                UNION ALL
                SELECT 'organisation', {NAME_SQL.format("o.native_name")}, o.id
                FROM {organisation_table} o WHERE {NAME_SQL.format("o.native_name")} = ANY(%s)
            )
            SELECT kind, name, id, CASE WHEN kind <> 'organisation' THEN ARRAY(
                SELECT t.name FROM {topic_table} t WHERE t.id = hits.id
                UNION ALL
                SELECT a.name FROM (SELECT name, position, id FROM {alias_table}
                                    WHERE topic_id = hits.id ORDER BY position, id) a
            ) ELSE ARRAY(
                SELECT n FROM {organisation_table} o,
                    unnest(ARRAY[o.name, o.short_name, o.native_name]) n
                WHERE o.id = hits.id AND n <> ''
            ) END
            FROM hits""",
            [heads, heads, names, names, heads, names, names, names],
        )
        for kind, found_name, found_id, all_names in cursor.fetchall():
            name = spelt[found_name]
            if kind == "organisation":
                organisations.setdefault(name, set()).add(found_id)
                organisation_names[found_id] = all_names
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
            names_topic(term, topics[name], topic_names, tree)
        names_organisations(term, organisations.get(name, ()), organisation_names)
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
                    names_topic(term, topics[name], topic_names, tree)
                names_organisations(term, organisations.get(name, ()), organisation_names)
            group.append(term)
        expanded.append(group)
        index += 1
    return expanded


def names_organisations(term, organisation_ids, organisation_names):
    """The term names organisations: it finds their statements, and the texts that use any
    of their names ("Kingdom of Norway" finds a text that says "Norway")."""
    term.organisation_ids = sorted(organisation_ids)
    term.organisation_names = list(
        dict.fromkeys(n for i in term.organisation_ids for n in organisation_names[i])
    )


def names_topic(term, topic_id, topic_names, tree):
    """The term names a topic: it also finds the texts tagged with it or any topic below."""
    term.topic_id = topic_id
    term.topic_names = topic_names[topic_id]
    term.topic_ids = sorted(tree.below([topic_id]))


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
        for model in SEARCHED_MODELS:
            name = table(model)
            cursor.execute(
                f"""
                WITH RECURSIVE l(language) AS (
                    SELECT min(language) FROM {name}
                    UNION ALL
                    SELECT (SELECT min(language) FROM {name} WHERE language > l.language)
                    FROM l WHERE l.language IS NOT NULL
                ) SELECT language FROM l WHERE language IS NOT NULL"""
            )
            languages = [row[0] for row in cursor.fetchall()]
            for language, count in _language_counts(cursor, name, languages).items():
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


def _language_counts(cursor, name, languages):
    """{language: number of rows (estimated on a large table)}."""
    cursor.execute(
        "SELECT c.reltuples, s.most_common_vals::text::text[], s.most_common_freqs"
        " FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname"
        " AND s.attname = 'language' AND s.schemaname = current_schema()"
        " WHERE c.oid = %s::regclass",
        [name],
    )
    rows, values, freqs = cursor.fetchone() or (-1, None, None)
    if rows < ESTIMATED_FROM_ROWS or values is None:
        cursor.execute(f"SELECT language, count(*) FROM {name} GROUP BY language")
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
            # Each text in every spelling (British and American): either gives the same.
            if term.phrase:
                for text in (term.text, *spelling_variants(term.text)):
                    readings.append(("phraseto_tsquery", text))
            else:
                for text in (term.text, *spelling_variants(term.text)):
                    readings.append(("plainto_tsquery", text))
                for name in (*term.topic_names, *term.organisation_names):
                    for text in (name, *spelling_variants(name)):
                        readings.append(("phraseto_tsquery", text))
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
        name = table(model)
        vector = f"{name}.{column}"
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
                    sql = f"{name}.search_pairs @@ %s::tsquery"
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
                        f"{name}.id = ANY(ARRAY(SELECT {item}_id FROM {table(SearchPassage)}"
                        f" WHERE vector @@ %s::tsquery AND {item}_id IS NOT NULL))"
                    )
                    term_params.append(self.term_plain[id(term)])
                if term.organisation_ids:
                    if item == "statement":
                        alternatives.append(f"{name}.organisation_id = ANY(%s)")
                    else:
                        alternatives.append(
                            f"{name}.congress_id = ANY(ARRAY(SELECT id FROM {table(Congress)}"
                            " WHERE organisation_id = ANY(%s)))"
                        )
                    term_params.append(term.organisation_ids)
                if term.topic_id:
                    alternatives.append(
                        f"{name}.id = ANY(ARRAY(SELECT {item}_id"
                        f" FROM {table(model.topics.through)} WHERE topic_id = ANY(%s)))"
                    )
                    term_params.append(sorted(term.topic_ids))
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
            condition, condition_params = f"{vector} @@ %s::tsquery", [plain_tsquery]
            if whole and "!" not in plain_tsquery:
                # A text longer than its vector holds (config.VECTOR_TEXT_CHARS) has the rest
                # in its paragraphs. (Not for exclusions: a paragraph without a word does not
                # make a text without it.)
                condition = (
                    f"({condition} OR {name}.id = ANY(ARRAY(SELECT {item}_id"
                    f" FROM {table(SearchPassage)} WHERE vector @@ %s::tsquery"
                    f" AND {item}_id IS NOT NULL)))"
                )
                condition_params.append(plain_tsquery)
            and_parts.insert(0, condition)
            params[:0] = condition_params
        return "(" + " AND ".join(and_parts or ["false"]) + ")", params


# --- Checking quoted phrases against the texts -------------------------------------------------

# The index finds a phrase by its words without the stop words ("that we have not made
# progress" is 'made' <-> 'progress' in English), so its matches are checked against the texts
# themselves: each word in turn, whole, separated by anything but letters and digits (as the
# text search parser separates words), case left aside.
PHRASE_GAP = "[^[:alnum:]]+"


def phrase_words(term):
    """The words a quoted phrase must hold in this order, or () when nothing is to be checked
    (a single word keeps its stemmed forms; an excluded phrase stays the index's)."""
    if not term.phrase or term.negated:
        return ()
    words = tuple(WORD_RE.findall(term.text.lower()))
    return words if len(words) > 1 else ()


def phrase_regex(words):
    """PostgreSQL's regular expression (ARE, case-insensitive with ~*) for the words, each in
    any of its spellings (a phrase is found in British and American spelling alike)."""
    alternatives = ("(?:" + "|".join(sorted(spellings(word))) + ")" for word in words)
    return r"\m" + PHRASE_GAP.join(alternatives) + r"\M"


def phrase_check(query, model):
    """(sql, params): a condition on a text's row (alias t) that holds when it has the query's
    quoted phrases word for word, in one of its fields; None when there is nothing to check.
    Only groups of phrases are checked (a phrase ORed with a word keeps its index reading)."""
    fields = ("title", "summary" if model is Statement else "section", "text")
    ands, params = [], []
    for group in query.groups:
        if not all(phrase_words(t) for t in group):
            continue
        ors = []
        for term in group:
            pattern = phrase_regex(phrase_words(term))
            ors += [f"t.{name} ~* %s" for name in fields]
            params += [pattern] * len(fields)
        ands.append("(" + " OR ".join(ors) + ")")
    if not ands:
        return None
    return " AND ".join(ands), params


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
