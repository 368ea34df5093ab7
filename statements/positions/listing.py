"""One ordered list of statements and resolutions together: its order, its pages, and the
rows a page shows (Position), read in a fixed number of queries whatever the page size."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import DateField, F, Func, Q, Value
from django.db.models.functions import Coalesce

from ..models import Resolution, Statement
from ..search.headlines import passages


def ordered_by_title(statements, resolutions, limit=None):
    """Both types in one list in title order, as (type, pk, date, title) rows: a UNION that
    sorts and slices in PostgreSQL (the date orders read the facts: ordered_facts). Ties are
    broken by date, type and id, so that every page is a slice of one order.

    With `limit`, each type is first ordered and cut to its first `limit` rows: enough for any
    slice that ends by then."""
    statements = statements.annotate(
        item_type=Value("statement"), item_id=F("pk"), sort_date=F("date"), sort_title=F("title")
    ).values_list("item_type", "item_id", "sort_date", "sort_title")
    resolutions = resolutions.annotate(
        item_type=Value("resolution"),
        item_id=F("pk"),
        sort_date=Coalesce(
            "congress__start_date",
            Func(F("congress__year"), 1, 1, function="make_date", output_field=DateField()),
        ),
        sort_title=F("title"),
    ).values_list("item_type", "item_id", "sort_date", "sort_title")
    order = ["sort_title", F("sort_date").desc(nulls_last=True), "item_type", "item_id"]
    if limit is None or statements.query.is_empty() or resolutions.query.is_empty():
        union = statements.order_by().union(resolutions.order_by(), all=True)
    else:
        union = statements.order_by(*order)[:limit].union(
            resolutions.order_by(*order)[:limit], all=True
        )
    return union.order_by(*order)


def ordered_facts(facts, sort):
    """(type, id, date) rows of a selection's facts in a date order, undated last either way and
    ties broken by type and id: the facts' own indexes give any page of it (positionfact_newest,
    positionfact_oldest) without sorting the selection."""
    return facts.order_by(*fact_order(sort)).values_list("type", "item_id", "sort_date")


def fact_order(sort):
    date = (
        F("sort_date").desc(nulls_last=True)
        if sort == "newest"
        else F("sort_date").asc(nulls_last=True)
    )
    return date, "type", "item_id"


def facts_after(facts, sort, after, limit):
    """Up to `limit` (type, id, date) rows of a date order that come after the row `after`
    (its date, type and id): a keyset walk, as fast on the millionth row as on the first.
    The order mixes directions (dates one way, ties by type and id ascending), which one row
    comparison cannot express; so it reads in up to three index ranges, each in order: the
    rest of `after`'s date, the dates beyond it, then the undated."""
    date, kind, item_id = after
    later_tie = Q(type__gt=kind) | Q(type=kind, item_id__gt=item_id)
    ranges = []
    if date is not None:
        beyond = {"newest": "sort_date__lt", "oldest": "sort_date__gt"}[sort]
        ranges += [
            facts.filter(later_tie, sort_date=date),
            facts.filter(**{beyond: date}),
            facts.filter(sort_date__isnull=True),
        ]
    else:
        ranges.append(facts.filter(later_tie, sort_date__isnull=True))
    rows = []
    for part in ranges:
        if len(rows) >= limit:
            break
        ordered = part.order_by(*fact_order(sort)).values_list("type", "item_id", "sort_date")
        rows += ordered[: limit - len(rows)]
    return rows


class CountedPaginator(Paginator):
    """A paginator told its count (already capped) rather than counting the UNION again."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page, allow_empty_first_page=True)
        self._count = count

    @cached_property
    def count(self):
        return self._count


class Position:
    """A statement or a resolution as a row of a list: what the result card shows."""

    def __init__(self, obj, pattern=None):
        self.object = obj
        self.type = obj._meta.model_name
        self.is_statement = self.type == "statement"
        self.passages, self.more_passages = passages(obj.text, pattern) if pattern else ([], 0)

    @property
    def organisation(self):
        return self.object.organisation if self.is_statement else self.object.congress.organisation

    @property
    def year(self):
        if self.is_statement:
            return self.object.date.year if self.object.date else None
        return self.object.congress.year

    @property
    def lead(self):
        """A short opening when no topic passages are shown: the summary, else the first
        paragraph."""
        if self.is_statement and self.object.summary:
            return self.object.summary
        paragraphs = self.object.paragraphs
        return paragraphs[0] if paragraphs else ""


def hydrate(rows, pattern=None):
    """(type, pk, …) rows as Position objects, in order: two queries per type, whatever the
    number of rows. `pattern` marks the passages on the selected topics."""
    found = {}
    for model, related in (
        (Statement, ("organisation", "addressed_to")),
        (Resolution, ("congress__organisation",)),
    ):
        kind = model._meta.model_name
        ids = [pk for row_kind, pk, *_ in rows if row_kind == kind]
        if ids:
            objects = (
                model.objects.filter(pk__in=ids)
                .select_related(*related)
                .without_vectors()
                .prefetch_related("topics")
                .in_bulk()
            )
            found.update({(kind, pk): obj for pk, obj in objects.items()})
    return [Position(found[(kind, pk)], pattern) for kind, pk, *_ in rows if (kind, pk) in found]


def latest_by_topic(statements, resolutions, tree, topic_ids, per_topic=3):
    """{topic id: the newest few positions on it (its sub-topics included)} for these topics:
    one query per type, each topic a slice of the type's newest (an index scan that stops at
    `per_topic`), and one more per type to read them."""
    rows = []
    for queryset, newest in (
        (statements, [F("date").desc(nulls_last=True), "title", "pk"]),
        (resolutions, [F("congress__year").desc(), "title", "pk"]),
    ):
        if queryset.query.is_empty() or not topic_ids:
            continue
        kind = queryset.model._meta.model_name
        slices = [
            queryset.in_topic(sorted(tree.below([topic_id])))
            .annotate(on_topic=Value(topic_id), item_type=Value(kind))
            .order_by(*newest)
            .values_list("on_topic", "item_type", "pk")[:per_topic]
            for topic_id in topic_ids
        ]
        first, *others = slices
        rows += list(first.union(*others, all=True).order_by() if others else first)
    positions = {(p.type, p.object.pk): p for p in hydrate([(kind, pk) for _t, kind, pk in rows])}
    found = {}
    for topic_id, kind, pk in rows:
        found.setdefault(topic_id, []).append(positions[(kind, pk)])

    def newest_first(position):
        return (position.year is None, -(position.year or 0), position.object.title)

    return {
        topic_id: sorted(items, key=newest_first)[:per_topic] for topic_id, items in found.items()
    }
