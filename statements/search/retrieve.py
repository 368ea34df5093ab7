"""Retrieval and ranking: which texts a compiled query finds under the positions filters, and
the (type, id) rows of one page of them in order, without reading any text.

Every page is a slice of one stable ranking: rank, then date (newest first, undated last),
then type and id, so that walking the pages lists every result exactly once. The ranking takes
in every match up to the count cap; above it (a word in a fifth of the archive), the capped
set is the texts that have the query in their titles and summaries first, then the others."""

from django.db import connection

from ..models import Congress, Resolution, Statement, table
from ..positions.filterset import PositionFilterSet
from ..positions.params import count_cap

# A search's statements stop after this long (a phrase of two words that are each in a fifth
# of a million texts makes PostgreSQL check the positions in every text that has both): the
# reader gets a message instead of a page that never comes.
MATCH_TIMEOUT_MS = 3_000


def matched_filterset(query, data, column="search_vector"):
    """The positions filters in `data` over the texts the query finds (in `column`)."""
    return PositionFilterSet(
        data,
        statements=Statement.objects.matching(query, column),
        resolutions=Resolution.objects.matching(query, column),
    )


def capped_ids(query, data, queryset, head):
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
        if model is Statement:
            date_sql = "t.date"
            boost, boost_params = "0", []
            if organisation_ids:  # statements by an organisation the query names come first
                boost = "CASE WHEN t.organisation_id = ANY(%s) THEN 0.1 ELSE 0 END"
                boost_params = [organisation_ids]
        else:
            date_sql = (
                "(SELECT coalesce(c.start_date, make_date(c.year, 1, 1))"
                f" FROM {table(Congress)} c WHERE c.id = t.congress_id)"
            )
            boost, boost_params = "0", []
        parts.append(
            f"SELECT %s AS type, t.id, ts_rank(t.search_vector, %s::tsquery, 1) + {boost}"
            f" AS rank, {date_sql} AS date FROM {table(model)} t WHERE {where}"
        )
        params += [kind, query.plain_tsquery, *boost_params, *where_params]
    if not parts:
        return []
    sql = " UNION ALL ".join(f"({p})" for p in parts)
    sql = (
        f"SELECT type, id FROM ({sql}) ranked"
        " ORDER BY rank DESC, date DESC NULLS LAST, type DESC, id LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return cursor.fetchall()
