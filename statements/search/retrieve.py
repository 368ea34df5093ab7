"""Retrieval and ranking: which texts a compiled query finds under the positions filters, and
the (type, id) rows of one page of them in order, without reading any text.

Every page is a slice of one stable ranking: rank, then date (newest first, undated last),
then type and id, so that walking the pages lists every result exactly once. The ranking takes
in every match up to the count cap; above it (a word in a fifth of the archive), the capped
set is the texts that have the query in their titles and summaries first, then the others."""

import re

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from ..models import Congress, PositionFact, Resolution, SearchWord, Statement, table
from ..positions.filterset import PositionFilterSet
from ..positions.params import count_cap
from .compile import phrase_check

# A search's statements stop after this long (a phrase of two words that are each in a fifth
# of a million texts makes PostgreSQL check the positions in every text that has both): the
# reader gets a message instead of a page that never comes.
MATCH_TIMEOUT_MS = 3_000


MATCHES = "search_matches"  # the temporary table of a search's matches

# Checking quoted phrases word for word reads each candidate's text (an 18,000-character
# speech in about 0.1 ms): up to this many candidates. Beyond it (a phrase whose every word but
# one or two is a stop word, in a large archive) the index's matches stand unchecked, and the
# page says so.
PHRASE_CHECK_LIMIT = 1_000


def find_matches(query):
    """Find the query's matches once, into a temporary table of (type, id) for the rest of
    the search's transaction: the facets, the counts and the ranking all read it, instead of
    asking the index (and checking each text's status) again each time. Returns whether its
    quoted phrases were checked word for word (False when they had too many candidates)."""
    parts, params = [], []
    for model in (Statement, Resolution):
        sql, more = (
            model.objects.published()
            .matching(query)
            .order_by()
            .values("pk")
            .query.sql_with_params()
        )
        parts.append(f"SELECT %s::varchar AS type, ids.pk AS id FROM ({sql}) ids")
        params += [model._meta.model_name, *more]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MATCHES}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {MATCHES} ON COMMIT DROP AS {' UNION ALL '.join(parts)}",
            params,
        )
        exact = check_phrases(query, cursor)
        cursor.execute(f"ANALYZE {MATCHES}")
    return exact


def check_phrases(query, cursor):
    """Leave in the matches only the texts that hold the query's quoted phrases word for word,
    stop words included; False, leaving them all, when there are too many to read."""
    checks = {model: phrase_check(query, model) for model in (Statement, Resolution)}
    if checks[Statement] is None:
        return True
    cursor.execute(f"SELECT count(*) FROM {MATCHES}")
    if cursor.fetchone()[0] > PHRASE_CHECK_LIMIT:
        return False
    for model, (sql, params) in checks.items():
        cursor.execute(
            f"DELETE FROM {MATCHES} m USING {table(model)} t"
            f" WHERE m.type = %s AND t.id = m.id AND ({sql}) IS NOT TRUE",
            [model._meta.model_name, *params],
        )
    return True


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
            f" FROM {table(SearchWord)} WHERE word = ANY(%s)",
            [lexemes],
        )
        most, least = cursor.fetchone()
    return least if ("&" in query.rank_tsquery or "<" in query.rank_tsquery) else most


def matched_filterset(query, data, column="search_vector"):
    """The positions filters in `data` over the texts the query finds (in `column`). Over the
    whole texts, the matches are those find_matches() has put in its table."""
    if column != "search_vector":
        return PositionFilterSet(
            data,
            statements=Statement.objects.matching(query, column),
            resolutions=Resolution.objects.matching(query, column),
        )

    def found(model):
        kind = model._meta.model_name
        return model.objects.filter(
            RawSQL(
                # An array the index can be probed with (as the compiled predicate does).
                f"{table(model)}.id = ANY(ARRAY(SELECT m.id FROM {MATCHES} m WHERE m.type = %s))",
                [kind],
                output_field=BooleanField(),
            )
        )

    facts = PositionFact.objects.filter(
        RawSQL(
            f"({table(PositionFact)}.type, {table(PositionFact)}.item_id)"
            f" IN (SELECT m.type, m.id FROM {MATCHES} m)",
            [],
            output_field=BooleanField(),
        )
    )
    return PositionFilterSet(
        data, statements=found(Statement), resolutions=found(Resolution), facts=facts
    )


def capped_ids(queryset, head):
    """Up to the cap + 1 ids of a type's matches, title and summary matches first (`head`:
    the same type under the same filters, matched on search_head; None when a title match is
    not a match, for a query with a phrase or an exclusion)."""
    limit = count_cap() + 1
    ids = []
    if head is not None:
        ids = list(head.order_by().values_list("id", flat=True)[:limit])
    if len(ids) < limit:
        rest = queryset.order_by().exclude(pk__in=ids).values_list("id", flat=True)
        ids += list(rest[: limit - len(ids)])
    return ids


def rank_page(query, candidates, offset, limit):
    """The (type, id) rows of a page by relevance. `candidates` maps each type to the
    queryset of its matches, or to a list of ids when they are capped."""
    parts, params = [], []
    organisation_ids = sorted(
        {i for g in query.groups for t in g if not t.negated for i in t.organisation_ids}
    )
    for model in (Statement, Resolution):
        kind = model._meta.model_name
        found = candidates.get(kind)
        if found is None:
            continue
        if isinstance(found, list):
            where, where_params = "t.id = ANY(%s)", [found]
        else:
            if found.query.is_empty():
                continue
            sql, where_params = found.order_by().values("id").query.sql_with_params()
            where = f"t.id IN ({sql})"
        # Texts by an organisation the query names come before those to or about it,
        # whatever their rank: "norway trafficking" lists Norway's own statements first.
        if model is Statement:
            date_sql = "t.date"
            by_named = "t.organisation_id = ANY(%s)"
        else:
            date_sql = (
                "(SELECT coalesce(c.start_date, make_date(c.year, 1, 1))"
                f" FROM {table(Congress)} c WHERE c.id = t.congress_id)"
            )
            by_named = (
                f"t.congress_id = ANY(ARRAY(SELECT id FROM {table(Congress)}"
                " WHERE organisation_id = ANY(%s)))"
            )
        parts.append(
            f"SELECT %s AS type, t.id, ts_rank(t.search_vector, %s::tsquery, 1) AS rank,"
            f" {by_named} AS by_named, {date_sql} AS date FROM {table(model)} t WHERE {where}"
        )
        params += [kind, query.plain_tsquery, organisation_ids, *where_params]
    if not parts:
        return []
    sql = " UNION ALL ".join(f"({p})" for p in parts)
    sql = (
        f"SELECT type, id FROM ({sql}) ranked ORDER BY by_named DESC, rank DESC,"
        " date DESC NULLS LAST, type DESC, id LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()
