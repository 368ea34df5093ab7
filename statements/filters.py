"""The positions filter: one FilterSet over statements and resolutions together.

Every public list of positions goes through `PositionFilterSet`: the positions view, the topic
and organisation pages, the permalinks, and (reusing it) the search results, the feeds and the
exports. It takes the query parameters of the public URL contract, with the interchange
format's keys and values:

    topic, organisation, country, organisation_kind, kind, type, year_from, year_to, language

A parameter may repeat (its values are ORed); different parameters are ANDed. A resolution
belongs to its congress's organisation and year; the statement-kind filter (`kind`) keeps only
statements of those kinds; a parent topic includes its sub-topics; undated statements match no
year filter. Only published statements are ever returned.

    positions = PositionFilterSet(request.GET)
    if not positions.is_valid():
        ...  # positions.error_list() names each bad parameter and value
    positions.statements, positions.resolutions   # the filtered querysets
    positions.page(number, sort="newest")          # a page of both, hydrated, in order
    positions.facets(base_url)                     # counts per value, each with a toggle link
    positions.timeline()                           # positions per year

The search view passes its own (already matched) querysets as `statements=` and
`resolutions=`, and gets the same filters, facets and timeline over them.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    GeneratedField,
    IntegerField,
    OuterRef,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear, RowNumber
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import codes
from .codes import OrganisationKind, StatementKind, Status
from .models import Alias, Organisation, Resolution, Statement, Topic, public

TYPE_CHOICES = [("statement", "Statements"), ("resolution", "Resolutions")]
SORT_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first"), ("title", "Title A to Z")]
DEFAULT_SORT = "newest"
PER_PAGE = 20

# The filter parameters in their canonical order, then sort and page.
FILTER_PARAMETERS = (
    "type",
    "topic",
    "organisation",
    "country",
    "organisation_kind",
    "kind",
    "language",
    "year_from",
    "year_to",
)
PARAMETERS = (*FILTER_PARAMETERS, "sort", "page")

# Facets shown for a selection, in display order, with their headings.
FACETS = (
    ("type", "Type"),
    ("topic", "Topic"),
    ("organisation", "Organisation"),
    ("country", "Country"),
    ("organisation_kind", "Kind of organisation"),
    ("kind", "Kind of statement"),
    ("language", "Language"),
)
FACET_LIMIT = 15
TICK_SPACING = 12  # % of the chart's width between year labels: room for them on a phone
FACET_MAX = 200
ORGANISATION_FACETS = {"organisation", "country", "organisation_kind"}


def facet_labels():
    """{facet: {value: label}} for the facets whose values are codes."""
    return {
        "type": dict(TYPE_CHOICES),
        "country": codes.country_names(),
        "organisation_kind": dict(OrganisationKind.choices),
        "kind": dict(StatementKind.choices),
        "language": codes.language_names(),
    }


def heavy_fields(model, prefix=""):
    """The stored search vectors (generated columns): large, and never shown in a list."""
    return [prefix + f.name for f in model._meta.concrete_fields if isinstance(f, GeneratedField)]


def count_cap():
    """Counts are shown exactly up to this number and as "10,000+" above it; a list's pages
    stop there (sort the other way, or narrow the selection, to reach the rest)."""
    return getattr(settings, "POSITIONS_COUNT_CAP", 10_000)


class InvalidFilters(Exception):
    """Raised by `filter_positions` for a query that names an unknown or malformed value."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{e.parameter}: {e.message}" for e in errors))


@dataclass
class FilterError:
    parameter: str
    message: str


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str
    depth: int = 0


@dataclass
class Facet:
    name: str
    title: str
    values: list = field(default_factory=list)
    more: int = 0  # values with results that are not listed at all
    hidden: list = field(default_factory=list)  # listed, folded away under "show more"

    @property
    def selected(self):
        return [v for v in self.values if v.selected]


@dataclass
class Bar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Timeline:
    years: list
    undated: int
    total: int
    peak: int
    width: int = 640
    height: int = 100
    bars: list = field(default_factory=list)

    @property
    def first(self):
        return self.years[0][0] if self.years else None

    @property
    def last(self):
        return self.years[-1][0] if self.years else None

    @property
    def ticks(self):
        """A handful of year labels along the axis, as (year, % from the left): the first and
        the last year and round years between, never closer than TICK_SPACING %."""
        if not self.bars:
            return []
        span = self.last - self.first
        step = next((s for s in (1, 2, 5, 10, 20, 25, 50) if span / s <= 6), 100)
        labelled = [b for b in self.bars if b.year % step == 0 or b.year in (self.first, self.last)]
        ticks = []
        for bar in labelled:
            centre = round((bar.x + bar.width / 2) * 100 / self.width, 2)
            if ticks and centre - ticks[-1][1] < TICK_SPACING:
                if bar.year != self.last:
                    continue
                if len(ticks) > 1:
                    ticks.pop()  # the last year's label wins over the round year before it
            ticks.append((bar.year, centre))
        return ticks


# --- Topics -----------------------------------------------------------------------------------


def descendants_sql(topic_ids):
    """SQL for the ids of these topics and every topic below them (a recursive CTE)."""
    table = connection.ops.quote_name(Topic._meta.db_table)
    return RawSQL(
        f"WITH RECURSIVE below(id) AS ("
        f" SELECT id FROM {table} WHERE id = ANY(%s)"
        f" UNION SELECT t.id FROM {table} t JOIN below ON t.parent_id = below.id"
        f") SELECT id FROM below",
        (list(topic_ids),),
    )


@dataclass
class TopicNode:
    id: int
    key: str
    name: str
    parent_id: int | None
    children: list = field(default_factory=list)
    depth: int = 0
    statements: int = 0
    resolutions: int = 0

    @property
    def total(self):
        return self.statements + self.resolutions


class TopicTree:
    """Every topic, read in one query, as a tree: for labels, sub-topics and counts."""

    def __init__(self, topics=None):
        rows = (
            topics
            if topics is not None
            else Topic.objects.values_list("id", "key", "name", "parent_id").order_by("name")
        )
        self.nodes = {row[0]: TopicNode(*row) for row in rows}
        self.roots = []
        for node in self.nodes.values():
            parent = self.nodes.get(node.parent_id)
            (parent.children if parent else self.roots).append(node)
        self._set_depth(self.roots, 0, set())

    def _set_depth(self, nodes, depth, seen):
        for node in nodes:
            if node.id in seen:
                continue
            seen.add(node.id)
            node.depth = depth
            self._set_depth(node.children, depth + 1, seen)

    def descendant_ids(self, topic_ids):
        ids, frontier = set(topic_ids), list(topic_ids)
        while frontier:
            node = self.nodes.get(frontier.pop())
            for child in node.children if node else ():
                if child.id not in ids:
                    ids.add(child.id)
                    frontier.append(child.id)
        return ids

    def walk(self, nodes=None):
        """Depth-first, in name order: the order a tree list shows."""
        for node in self.roots if nodes is None else nodes:
            yield node
            yield from self.walk(node.children)

    def count(self, statements, resolutions):
        """Set each node's counts of statements and resolutions, its sub-topics included."""
        for (kind, topic_id), n in topic_counts(statements, resolutions, self).items():
            node = self.nodes.get(topic_id)
            if node:
                setattr(node, "statements" if kind == "statement" else "resolutions", n)
        return self


def _id_subquery(queryset):
    if queryset.query.is_empty():
        return None
    return queryset.order_by().values("pk").query.sql_with_params()


def topic_counts(statements, resolutions, tree=None):
    """{(type, topic id): how many of these items carry the topic or one below it}, in one
    query: each item counted once per topic, however many of its sub-topics it carries.

    The selection's tags are read once. A topic without sub-topics is counted by grouping
    them (an item carries a topic at most once, so no DISTINCT is needed); only the topics
    with sub-topics count distinct items, over the tags of their own subtree. The subtrees
    come from the topic tree already read (`tree`), as literal ids the planner can estimate."""
    tree = tree if tree is not None else TopicTree()
    descendants, ancestors = [], []
    for node in tree.nodes.values():
        if node.children:
            for below in sorted(tree.descendant_ids([node.id])):
                descendants.append(below)
                ancestors.append(node.id)
    parents = sorted(set(ancestors))
    ctes, cte_params, parts, params = [], [], [], []
    for kind, queryset, model in (
        ("statement", statements, Statement),
        ("resolution", resolutions, Resolution),
    ):
        subquery = _id_subquery(queryset)
        if subquery is None:
            continue
        through = model.topics.through
        item = through._meta.get_field(model._meta.model_name).column
        tags = f"{kind}_tags"
        select = (
            f"SELECT x.{item} AS item, x.topic_id"
            f" FROM {connection.ops.quote_name(through._meta.db_table)} x"
        )
        if subquery != _id_subquery(public(model)):
            ctes.append(f"{tags} AS MATERIALIZED ({select} WHERE x.{item} IN ({subquery[0]}))")
            cte_params += subquery[1]
        elif model is Statement:
            # Every published statement: leave out the few drafts' tags (an index lookup)
            # rather than read every statement to find the published ones.
            ctes.append(
                f"{tags} AS MATERIALIZED ({select} WHERE NOT EXISTS (SELECT 1"
                f" FROM {connection.ops.quote_name(Statement._meta.db_table)} s"
                f" WHERE s.id = x.{item} AND s.status = ANY(%s)))"
            )
            cte_params.append([v for v in Status.values if v != Status.PUBLISHED])
        else:
            ctes.append(f"{tags} AS MATERIALIZED ({select})")
        parts.append(
            f"SELECT %s, topic_id, COUNT(*) FROM {tags}"
            f" WHERE NOT (topic_id = ANY(%s)) GROUP BY topic_id"
        )
        params += [kind, parents]
        if parents:
            parts.append(
                f"SELECT %s, c.ancestor, COUNT(DISTINCT t.item) FROM {tags} t"
                f" JOIN closure c ON c.descendant = t.topic_id GROUP BY c.ancestor"
            )
            params += [kind]
    if not parts:
        return {}
    closure = "closure(descendant, ancestor) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))"
    sql = f"WITH {closure}, {', '.join(ctes)} {' UNION ALL '.join(parts)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [descendants, ancestors, *cte_params, *params])
        return {(kind, topic_id): n for kind, topic_id, n in cursor.fetchall()}


# --- Passages ---------------------------------------------------------------------------------


def term_pattern(terms):
    """A case-insensitive pattern for whole-word occurrences of any of these terms."""
    terms = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not terms:
        return None
    alternatives = "|".join(r"\s+".join(map(re.escape, t.split())) for t in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def highlight(text, pattern):
    """The text, escaped, with each match of the pattern in <mark>. Escaping happens piece by
    piece before the marks go in, so nothing stored is ever trusted as HTML."""
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


WINDOW_BEFORE, WINDOW_AFTER = 30, 50  # words around the first match of a long paragraph


def window(paragraph, pattern):
    """A long paragraph cut to the words around its first match, with ellipses where cut."""
    words = paragraph.split(" ")
    if len(words) <= WINDOW_BEFORE + WINDOW_AFTER:
        return paragraph
    match = pattern.search(paragraph)
    at = paragraph.count(" ", 0, match.start()) if match else 0
    start = max(0, at - WINDOW_BEFORE)
    end = min(len(words), start + WINDOW_BEFORE + WINDOW_AFTER)
    start = max(0, end - WINDOW_BEFORE - WINDOW_AFTER)
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
    shown = [Passage(number, highlight(window(p, pattern), pattern)) for number, p in found[:limit]]
    return shown, max(0, len(found) - limit)


# --- The filter set ---------------------------------------------------------------------------


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class PositionFilterSet(django_filters.FilterSet):
    type = django_filters.MultipleChoiceFilter(choices=TYPE_CHOICES, method="filter_type")
    topic = django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="key", method="filter_topic"
    )
    organisation = django_filters.ModelMultipleChoiceFilter(
        queryset=Organisation.objects.all(), to_field_name="key", method="filter_organisation"
    )
    country = django_filters.MultipleChoiceFilter(
        choices=codes.country_choices, method="filter_country"
    )
    organisation_kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, method="filter_organisation_kind"
    )
    kind = django_filters.MultipleChoiceFilter(choices=StatementKind.choices, method="filter_kind")
    language = django_filters.MultipleChoiceFilter(
        choices=codes.language_choices, method="filter_language"
    )
    year_from = YearFilter(
        method="filter_year_from", min_value=codes.YEAR_MIN, max_value=codes.YEAR_MAX
    )
    year_to = YearFilter(
        method="filter_year_to", min_value=codes.YEAR_MIN, max_value=codes.YEAR_MAX
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_nothing")

    def __init__(self, data=None, *, statements=None, resolutions=None, request=None):
        if data is not None:
            data = without_blanks(data)
        self.base_statements = (
            Statement.objects.published() if statements is None else statements.published()
        )
        self.base_resolutions = Resolution.objects.all() if resolutions is None else resolutions
        super().__init__(data, queryset=self.base_statements, request=request)

    # Each method receives the statement or the resolution queryset and filters it for its type.

    @staticmethod
    def _is_statements(qs):
        return qs.model is Statement

    @classmethod
    def _organisation(cls, qs):
        return "organisation" if cls._is_statements(qs) else "congress__organisation"

    def filter_type(self, qs, name, value):
        return qs if (qs.model._meta.model_name in value) else qs.none()

    def filter_topic(self, qs, name, topics):
        if not topics:
            return qs
        through = qs.model.topics.through
        item = qs.model._meta.model_name
        # The sub-topics come from the tree read once per request: a literal list of ids,
        # which the planner can estimate (a recursive CTE inside EXISTS it cannot).
        ids = sorted(self.topic_tree.descendant_ids([t.pk for t in topics]))
        return qs.filter(Exists(through.objects.filter(**{item: OuterRef("pk")}, topic_id__in=ids)))

    def filter_organisation(self, qs, name, organisations):
        if not organisations:
            return qs
        return qs.filter(**{f"{self._organisation(qs)}__in": organisations})

    def filter_country(self, qs, name, value):
        return qs.filter(**{f"{self._organisation(qs)}__country__in": value})

    def filter_organisation_kind(self, qs, name, value):
        return qs.filter(**{f"{self._organisation(qs)}__kind__in": value})

    def filter_kind(self, qs, name, value):
        return qs.filter(kind__in=value) if self._is_statements(qs) else qs.none()

    def filter_language(self, qs, name, value):
        return qs.filter(language__in=value)

    def filter_year_from(self, qs, name, year):
        if self._is_statements(qs):
            return qs.filter(date__gte=f"{year:04d}-01-01")
        return qs.filter(congress__year__gte=year)

    def filter_year_to(self, qs, name, year):
        if self._is_statements(qs):
            return qs.filter(date__lt=f"{year + 1:04d}-01-01")
        return qs.filter(congress__year__lte=year)

    def filter_nothing(self, qs, name, value):
        return qs

    # --- Validation ---

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        year_from, year_to = data.get("year_from"), data.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.form.add_error("year_to", f"{year_to} is before year_from ({year_from}).")
            return False
        return valid

    def error_list(self):
        """Each bad parameter with the values given and what is wrong, for a 400 page."""
        errors = []
        for name, messages in self.form.errors.items():
            given = ", ".join(self.data.getlist(name)) if hasattr(self.data, "getlist") else ""
            for message in messages:
                label = f"{name}={given}" if given else name
                errors.append(FilterError(label, message))
        return errors

    # --- Results ---

    def _filter(self, queryset, skip=None):
        for name, value in self.form.cleaned_data.items():
            if name != skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filtered(self, skip=None):
        """(statements, resolutions) under the selection, leaving out the filter `skip`."""
        if not self.is_valid():
            raise InvalidFilters(self.error_list())
        return self._filter(self.base_statements, skip), self._filter(self.base_resolutions, skip)

    @cached_property
    def _filtered(self):
        return self.filtered()

    @property
    def statements(self):
        return self._filtered[0]

    @property
    def resolutions(self):
        return self._filtered[1]

    @property
    def qs(self):
        return self.statements

    @cached_property
    def sort_order(self):
        return (self.is_valid() and self.form.cleaned_data.get("sort")) or DEFAULT_SORT

    def ordered(self, sort=None, limit=None):
        """Both types in one list, ordered, as (type, pk) rows: a UNION that sorts and slices
        in PostgreSQL. A resolution's date is its congress's start date or, failing that,
        its year; undated statements sort last whichever way.

        With `limit`, each type is first ordered and cut to its first `limit` rows: enough
        for any slice that ends by then, and an ordered index scan (statement_published_newest,
        statement_date) that stops there instead of sorting the whole selection."""
        statements = self.statements.annotate(
            item_type=Value("statement"),
            item_id=F("pk"),
            sort_date=F("date"),
            sort_title=F("title"),
        ).values_list("item_type", "item_id", "sort_date", "sort_title")
        resolutions = self.resolutions.annotate(
            item_type=Value("resolution"),
            item_id=F("pk"),
            sort_date=Coalesce(
                "congress__start_date",
                Func(F("congress__year"), 1, 1, function="make_date", output_field=DateField()),
            ),
            sort_title=F("title"),
        ).values_list("item_type", "item_id", "sort_date", "sort_title")
        sort = sort or self.sort_order
        if sort == "title":
            order = ["sort_title", F("sort_date").desc(nulls_last=True)]
        elif sort == "oldest":
            order = [F("sort_date").asc(nulls_last=True), "sort_title"]
        else:
            order = [F("sort_date").desc(nulls_last=True), "sort_title"]
        order = [*order, "item_type", "item_id"]
        if limit is None or statements.query.is_empty() or resolutions.query.is_empty():
            union = statements.order_by().union(resolutions.order_by(), all=True)
        else:
            union = statements.order_by(*order)[:limit].union(
                resolutions.order_by(*order)[:limit], all=True
            )
        return union.order_by(*order)

    @cached_property
    def counts(self):
        """(statements, resolutions) under the selection: exact (pages show them capped)."""
        totals = {"statement": 0, "resolution": 0}
        for kind, *_rest, n in self._groups():
            totals[kind] += n
        return totals["statement"], totals["resolution"]

    @property
    def count(self):
        return sum(self.counts)

    def page(self, number=1, sort=None, per_page=PER_PAGE):
        """A Django Page of Position objects. Raises PageNotAnInteger or EmptyPage for a page
        that is not a positive whole number or lies beyond the last."""
        paginator = CountedPaginator(
            self.ordered(sort), per_page, count=min(self.count, count_cap())
        )
        number = paginator.validate_number(number)
        paginator.object_list = self.ordered(sort, limit=number * per_page)
        page = paginator.page(number)
        page.object_list = self.hydrate(list(page.object_list))
        return page

    @cached_property
    def selected_topics(self):
        return list(self.form.cleaned_data.get("topic") or []) if self.is_valid() else []

    @cached_property
    def topic_tree(self):
        return TopicTree()

    @cached_property
    def topic_pattern(self):
        """Whole-word matches of the selected topics' (and their sub-topics') names and
        aliases: the passages that speak to the selection."""
        if not self.selected_topics:
            return None
        ids = self.topic_tree.descendant_ids([t.pk for t in self.selected_topics])
        names = [self.topic_tree.nodes[i].name for i in ids if i in self.topic_tree.nodes]
        names += Alias.objects.filter(topic_id__in=ids).values_list("name", flat=True)
        return term_pattern(names)

    def hydrate(self, rows):
        """The page's rows as Position objects, in order: two queries per type, whatever the
        number of rows."""
        statement_ids = [pk for kind, pk, *_ in rows if kind == "statement"]
        resolution_ids = [pk for kind, pk, *_ in rows if kind == "resolution"]
        statements = (
            Statement.objects.filter(pk__in=statement_ids)
            .select_related("organisation", "addressed_to")
            .defer(*heavy_fields(Statement))
            .prefetch_related("topics")
            .in_bulk()
            if statement_ids
            else {}
        )
        resolutions = (
            Resolution.objects.filter(pk__in=resolution_ids)
            .select_related("congress__organisation")
            .defer(*heavy_fields(Resolution))
            .prefetch_related("topics")
            .in_bulk()
            if resolution_ids
            else {}
        )
        pattern = self.topic_pattern
        items = []
        for kind, pk, *_ in rows:
            obj = statements.get(pk) if kind == "statement" else resolutions.get(pk)
            if obj is not None:
                items.append(Position(obj, pattern))
        return items

    # --- Facets ---

    def facets(self, base_url, extra=None):
        """Each facet's values with the number of results that picking the value would give:
        counted under every other filter of the selection (values of one parameter are ORed,
        so a facet does not narrow its own counts). Each value carries the URL that toggles
        it, built on `base_url` with the canonical query (plus `extra`, e.g. the search's q).

        One grouped query per type (by organisation, language, kind and year) serves every
        facet but the topics, the total and the timeline; a facet whose own parameter is in
        the selection needs that query again without it."""
        current = self.canonical_params()
        counted = {name: self._facet_counts(name) for name, _title in FACETS}
        result = []
        for name, title in FACETS:
            counts = counted[name]
            selected = set(current.get(name, []))
            values = [
                (value, label, count, depth)
                for value, (label, count, depth) in counts.items()
                if count or value in selected
            ]
            values += [(value, value, 0, 0) for value in selected - set(counts)]
            if name == "topic":
                order = {node.key: i for i, node in enumerate(self.topic_tree.walk())}

                def sort_key(v, order=order):
                    return order.get(v[0], len(order))
            elif name == "type":

                def sort_key(v):
                    return 0 if v[0] == "statement" else 1
            else:

                def sort_key(v):
                    return (-v[2], v[1].lower())

            values.sort(key=sort_key)
            # The selected values and the biggest others are shown; the next ones are listed
            # folded away; beyond FACET_MAX only their number is given.
            by_count = sorted(values, key=lambda v: (v[0] not in selected, -v[2], v[1].lower()))
            cut = max(FACET_LIMIT, len(selected))
            shown = sorted(by_count[:cut], key=sort_key)
            folded = sorted(by_count[cut:FACET_MAX], key=sort_key)
            facet = Facet(name, title, more=max(0, len(values) - FACET_MAX))
            for group, target in ((shown, facet.values), (folded, facet.hidden)):
                for value, label, count, depth in group:
                    toggled = {k: v for k, v in current.items() if k != "page"}
                    toggled[name] = sorted(selected ^ {value})
                    target.append(
                        FacetValue(
                            value,
                            label,
                            count,
                            value in selected,
                            base_url + canonical_query(toggled, extra),
                            depth,
                        )
                    )
            result.append(facet)
        return result

    def _selected(self, name):
        return bool(self.is_valid() and self.form.cleaned_data.get(name))

    def _groups(self, skip=None):
        """Rows of (type, organisation id, language, statement kind, year, count) under the
        selection (leaving out the filter `skip` when it is set), cached per skip."""
        if skip is not None and not self._selected(skip):
            skip = None
        cache = self.__dict__.setdefault("_group_cache", {})
        if skip in cache:
            return cache[skip]
        statements, resolutions = self.filtered(skip)
        rows = []
        if not statements.query.is_empty():
            grouped = (
                statements.order_by()
                .annotate(year=ExtractYear("date", output_field=IntegerField()))
                .values("organisation_id", "language", "kind", "year")
                .annotate(n=Count("pk"))
            )
            rows += [
                ("statement", r["organisation_id"], r["language"], r["kind"], r["year"], r["n"])
                for r in grouped
            ]
        if not resolutions.query.is_empty():
            grouped = (
                resolutions.order_by()
                .values("congress__organisation_id", "language", "congress__year")
                .annotate(n=Count("pk"))
            )
            rows += [
                (
                    "resolution",
                    r["congress__organisation_id"],
                    r["language"],
                    None,
                    r["congress__year"],
                    r["n"],
                )
                for r in grouped
            ]
        cache[skip] = rows
        return rows

    def _organisations(self):
        """{id: (key, label, country, kind)} of every organisation the counted rows name."""
        cache = self.__dict__.setdefault("_group_cache", {})
        ids = {row[1] for rows in cache.values() for row in rows}
        known = self.__dict__.setdefault("_organisation_cache", {})
        missing = ids - set(known)
        if missing:
            for row in Organisation.objects.filter(pk__in=missing).values_list(
                "id", "key", "name", "short_name", "country", "kind"
            ):
                known[row[0]] = (row[1], row[3] or row[2], row[4], row[5])
        return known

    def _facet_counts(self, name):
        """{value: (label, count, depth)} for one facet."""
        if name == "topic":
            return self._count_topic(*self.filtered(skip="topic"))
        rows = self._groups(skip=name)
        organisations = self._organisations() if name in ORGANISATION_FACETS else {}
        labels = facet_labels().get(name, {})
        counts = {}
        for kind, organisation_id, language, statement_kind, _year, n in rows:
            if name == "type":
                value, label = kind, labels[kind]
            elif name in ORGANISATION_FACETS:
                key, org_label, country, org_kind = organisations[organisation_id]
                value, label = {
                    "organisation": (key, org_label),
                    "country": (country, labels.get(country, country)),
                    "organisation_kind": (org_kind, labels.get(org_kind, org_kind)),
                }[name]
                if not value:  # international bodies have no country to filter by
                    continue
            elif name == "kind":
                if kind != "statement":
                    continue
                value, label = statement_kind, labels.get(statement_kind, statement_kind)
            else:
                value, label = language, labels.get(language, language)
            previous = counts.get(value, (label, 0, 0))
            counts[value] = (label, previous[1] + n, 0)
        if name == "type":
            for value, label in TYPE_CHOICES:
                counts.setdefault(value, (label, 0, 0))
        return counts

    def _count_topic(self, statements, resolutions):
        totals = {}
        for (_kind, topic_id), n in topic_counts(statements, resolutions, self.topic_tree).items():
            totals[topic_id] = totals.get(topic_id, 0) + n
        nodes = self.topic_tree.nodes
        return {
            nodes[topic_id].key: (nodes[topic_id].name, n, nodes[topic_id].depth)
            for topic_id, n in totals.items()
            if topic_id in nodes
        }

    # --- Timeline ---

    def timeline(self):
        """Positions per year under the selection, from the same grouped rows as the facets."""
        per_year, undated = {}, 0
        for _kind, _organisation, _language, _statement_kind, year, n in self._groups():
            if year is None:
                undated += n
            else:
                per_year[year] = per_year.get(year, 0) + n
        return layout_timeline(per_year, undated)

    # --- Canonical URLs ---

    def canonical_params(self):
        """The selection as {parameter: sorted values}, empty values and unknown names left
        out, sort left out when it is the default and page when it is the first."""
        return canonical_params(self.data)

    def canonical_query(self, extra=None, **changes):
        params = self.canonical_params()
        params.update(changes)
        return canonical_query(params, extra)


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


def without_blanks(data):
    """A QueryDict of the data without empty values: an empty form field selects nothing."""
    clean = QueryDict(mutable=True)
    items = data.lists() if hasattr(data, "lists") else data.items()
    for name, values in items:
        values = [values] if isinstance(values, str) else list(values)
        kept = [v for v in values if v is not None and str(v).strip()]
        if kept:
            clean.setlist(name, [str(v).strip() for v in kept])
    return clean


def canonical_params(data):
    params = {}
    for name in PARAMETERS:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        if isinstance(values, str):
            values = [values]
        values = sorted({v.strip() for v in values if v is not None and str(v).strip()})
        if name == "sort" and values == [DEFAULT_SORT]:
            continue
        if name == "page" and values == ["1"]:
            continue
        if values:
            params[name] = values
    return params


def canonical_query(params, extra=None):
    """'?a=1&b=2' in the canonical order ('' when empty): extra parameters (the search's q)
    first, then the filters, sort and page."""
    pairs = [(k, v) for k, v in (extra or {}).items() if v not in (None, "")]
    for name in PARAMETERS:
        for value in params.get(name, []):
            pairs.append((name, value))
    return "?" + urlencode(pairs) if pairs else ""


def filter_positions(data, *, statements=None, resolutions=None):
    """(statements, resolutions) filtered by a query dict; raises InvalidFilters."""
    positions = PositionFilterSet(data, statements=statements, resolutions=resolutions)
    return positions.filtered()


def timeline(statements, resolutions):
    """Positions per year, every year from the first to the last (empty ones as zero), the
    undated apart, laid out as bars for an SVG chart."""
    per_year, undated = {}, 0
    if not statements.query.is_empty():
        rows = (
            statements.order_by()
            .annotate(year=ExtractYear("date", output_field=IntegerField()))
            .values("year")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            if row["year"] is None:
                undated += row["n"]
            else:
                per_year[row["year"]] = per_year.get(row["year"], 0) + row["n"]
    if not resolutions.query.is_empty():
        for row in resolutions.order_by().values("congress__year").annotate(n=Count("pk")):
            per_year[row["congress__year"]] = per_year.get(row["congress__year"], 0) + row["n"]
    return layout_timeline(per_year, undated)


def layout_timeline(per_year, undated):
    """The chart's bars: every year from the first to the last, empty ones as zero."""
    years = []
    if per_year:
        first, last = min(per_year), max(per_year)
        years = [(y, per_year.get(y, 0)) for y in range(first, last + 1)]
    peak = max((n for _, n in years), default=0)
    chart = Timeline(years, undated, sum(per_year.values()) + undated, peak)
    if years:
        slot = min(chart.width / len(years), 48)
        gap = min(4.0, slot * 0.2)
        left = (chart.width - slot * len(years)) / 2
        plot = chart.height
        for index, (year, n) in enumerate(years):
            height = round(plot * n / peak, 1) if peak else 0
            if n and height < 2:
                height = 2
            chart.bars.append(
                Bar(
                    year,
                    n,
                    round(left + index * slot + gap / 2, 2),
                    round(plot - height, 1),
                    round(slot - gap, 2),
                    height,
                )
            )
    return chart


class OrganisationFilterSet(django_filters.FilterSet):
    """The organisations index: by country and by kind (values ORed within each)."""

    country = django_filters.MultipleChoiceFilter(choices=codes.country_choices)
    kind = django_filters.MultipleChoiceFilter(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["country", "kind"]

    def error_list(self):
        errors = []
        for name, messages in self.form.errors.items():
            given = ", ".join(self.data.getlist(name))
            errors.extend(FilterError(f"{name}={given}", m) for m in messages)
        return errors


def latest_by_topic(statements, resolutions, per_topic=3):
    """{topic id: the newest few positions tagged with it}, in two queries (a window function
    per type), whatever the number of topics."""
    found = {}
    for model, queryset, date_field, related in (
        (Statement, statements, "statement__date", "statement__organisation"),
        (
            Resolution,
            resolutions,
            "resolution__congress__year",
            "resolution__congress__organisation",
        ),
    ):
        if queryset.query.is_empty():
            continue
        item = model._meta.model_name
        rows = (
            model.topics.through.objects.filter(**{f"{item}__in": queryset.order_by().values("pk")})
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("topic_id")],
                    order_by=[F(date_field).desc(nulls_last=True), F(f"{item}__title").asc()],
                )
            )
            .filter(rank__lte=per_topic)
            .select_related(related)
            .defer(*heavy_fields(model, f"{item}__"))
        )
        for row in rows:
            found.setdefault(row.topic_id, []).append(Position(getattr(row, item)))

    def newest_first(position):
        return (position.year is None, -(position.year or 0), position.object.title)

    return {
        topic_id: sorted(items, key=newest_first)[:per_topic] for topic_id, items in found.items()
    }
