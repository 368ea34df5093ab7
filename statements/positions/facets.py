"""The one facet engine, behind the positions view, the topic and organisation pages, the
permalinks and search: for each facet, every value with the number of results that the value
alone gives under the selection's other filters, and the link that picks it.

Values of one parameter are ORed, so a facet does not narrow its own counts: its parameter is
left out while it is counted. "Also tagged" is the exception, since its values are ANDed: it
counts the topics of the current results, and a click narrows to those also tagged.

The counts come from PositionTotal, kept by the database for the whole archive, each topic and
each organisation, when the selection (less the facet's own parameter) is one of those; else
from one pass over the selection's PositionFacts, one narrow row per public position. A facet
whose own parameter is in the selection needs its counts again without it."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db import connections

from .. import codes
from ..codes import OrganisationKind, StatementKind
from ..models import ArchiveVersion, Organisation, PositionTotal, table
from .params import canonical_query

TYPE_CHOICES = [("statement", "Statements"), ("resolution", "Resolutions")]

# Facets in display order: (name, title, how a click acts). "any" widens within the facet
# (its values are ORed), "all" narrows (each value must also hold).
FACETS = (
    ("type", "Type", "any"),
    ("topic", "Topic", "any"),
    ("also_topic", "Also tagged", "all"),
    ("organisation", "Organisation", "any"),
    ("country", "Country", "any"),
    ("organisation_kind", "Kind of organisation", "any"),
    ("kind", "Kind of statement", "any"),
    ("language", "Language", "any"),
)
FACET_NAMES = tuple(name for name, _title, _mode in FACETS)
FACET_LIMIT = 15  # values shown at first
FACET_FOLDED = 50  # values listed under "show more"; the full list (a page of its own) has all
ORGANISATION_FACETS = {"organisation", "country", "organisation_kind"}
TOPIC_FACETS = {"topic", "also_topic"}


def facet_labels():
    """{facet: {value: label}} for the facets whose values are codes."""
    return {
        "type": dict(TYPE_CHOICES),
        "country": codes.country_names(),
        "organisation_kind": dict(OrganisationKind.choices),
        "kind": dict(StatementKind.choices),
        "language": codes.language_names(),
    }


_directories = {}  # database alias -> (archive version, directory)


def organisation_directory(db):
    """{id: (key, label, country, kind)} of every organisation, read once per archive version
    in each process: a country's facet names thousands of organisations on every page, and
    any change to the archive moves the version on, so no page reads a stale name."""
    version, _changed = ArchiveVersion.current(using=db)
    cached = _directories.get(db)
    if cached is None or cached[0] != version:
        with connections[db].cursor() as cursor:
            cursor.execute(
                f"SELECT id, key, name, short_name, country, kind FROM {table(Organisation)}"
            )
            directory = {
                pk: (key, short_name or name, country, kind)
                for pk, key, name, short_name, country, kind in cursor.fetchall()
            }
        cached = _directories[db] = (version, directory)
    return cached[1]


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
    mode: str = "any"
    values: list = field(default_factory=list)
    hidden: list = field(default_factory=list)  # listed, folded away under "show more"
    more: int = 0  # values with results that only the full list shows
    more_url: str = ""  # the full list
    of: int = 0  # for "also tagged": the results its counts are a part of

    @property
    def selected(self):
        return [v for v in self.values if v.selected]

    @property
    def narrows(self):
        return self.mode == "all"

    @property
    def total_values(self):
        return len(self.values) + len(self.hidden) + self.more


class FacetEngine:
    """Counts under a selection, as tallies {facet: {(type, value): count}} with the facets of
    PositionTotal (type, organisation, kind, language, year, topic). `scope(skip)` names the
    maintained totals that answer the selection without the filter `skip` (the whole archive,
    one topic, one organisation), or is None: then `facts(skip)`, the PositionFacts under
    that selection, are counted. `params` is the selection's canonical parameters."""

    def __init__(self, facts, scope, params, tree):
        self.facts, self.scope, self.params, self.tree = facts, scope, params, tree
        self._tallies = {}

    def tally(self, skip=None):
        """{facet: {(type, value): count}} under the selection without `skip`, cached."""
        if skip is not None and not self.params.get(skip):
            skip = None
        if skip not in self._tallies:
            scope = self.scope(skip)
            if scope is not None:
                rows = PositionTotal.objects.filter(scope=scope).values_list(
                    "facet", "value", "type", "count"
                )
            else:
                rows = self._count_facts(self.facts(skip), skip)
            tally = {}
            for facet, value, kind, n in rows:
                tally.setdefault(facet, {})[kind, value] = n
            self._tallies[skip] = tally
        return self._tallies[skip]

    # The tallies a facet needs when its own parameter is left out (the whole selection's
    # tally, skip None, holds every one: the totals and the timeline read it too).
    TALLIES = {
        "type": ("type",),
        "topic": ("topic",),
        "organisation": ("organisation",),
        "country": ("organisation",),
        "organisation_kind": ("organisation",),
        "kind": ("kind",),
        "language": ("language",),
    }
    GROUPINGS = {
        "type": "SELECT 'type', '', type, count(*) FROM f GROUP BY type",
        "organisation": "SELECT 'organisation', organisation_id::text, type, count(*) FROM f"
        " GROUP BY organisation_id, type",
        "kind": "SELECT 'kind', kind, type, count(*) FROM f WHERE type = 'statement'"
        " GROUP BY kind, type",
        "language": "SELECT 'language', language, type, count(*) FROM f GROUP BY language, type",
        "year": "SELECT 'year', coalesce(year::text, ''), type, count(*) FROM f"
        " GROUP BY year, type",
        "topic": "SELECT 'topic', topic::text, type, count(*) FROM f, unnest(f.topics) topic"
        " GROUP BY topic, type",
    }

    def _count_facts(self, facts, skip):
        """One pass over the facts, grouped as the totals are (only as the facet of `skip`
        needs, when it is given)."""
        wanted = self.TALLIES.get(skip, tuple(self.GROUPINGS))
        columns = ("type", "organisation_id", "language", "kind", "year", "topics")
        sql, params = facts.order_by().values(*columns).query.sql_with_params()
        groupings = " UNION ALL ".join(self.GROUPINGS[name] for name in wanted)
        # On the database the facts are read from: a replica, for a reader's page.
        with connections[facts.db].cursor() as cursor:
            cursor.execute(f"WITH f AS MATERIALIZED ({sql}) {groupings}", params)
            return cursor.fetchall()

    def values(self, facet, skip=None):
        """{(type, value): count} of one facet under the selection without `skip`."""
        return self.tally(skip).get(facet, {})

    def totals(self):
        """{type: number of results} under the whole selection: exact."""
        totals = {"statement": 0, "resolution": 0}
        for (kind, _value), n in self.values("type").items():
            totals[kind] += n
        return totals

    def per_year(self):
        """({year: number of results}, number undated) under the whole selection."""
        per_year, undated = {}, 0
        for (_kind, year), n in self.values("year").items():
            if year:
                per_year[int(year)] = per_year.get(int(year), 0) + n
            else:
                undated += n
        return per_year, undated

    def topic_counts(self, skip=None):
        """{(type, topic id): count}: each position once per topic it carries or is below."""
        return {(kind, int(topic)): n for (kind, topic), n in self.values("topic", skip).items()}

    def archive_counts(self, facet, kind):
        """{value: count} of one facet and type over the whole public archive."""
        rows = PositionTotal.objects.filter(scope="", facet=facet, type=kind)
        return dict(rows.values_list("value", "count"))

    @cached_property
    def organisations(self):
        """{id: (key, label, country, kind)} of every organisation."""
        return organisation_directory(self.facts().db)

    def counts(self, name):
        """{value: (label, count, depth)} for one facet."""
        counts = {}
        if name in TOPIC_FACETS:
            nodes = self.tree.nodes
            skip = "topic" if name == "topic" else None
            for (_kind, topic_id), n in self.topic_counts(skip).items():
                node = nodes.get(topic_id)
                if node:
                    previous = counts.get(node.key, (node.name, 0, node.depth))
                    counts[node.key] = (node.name, previous[1] + n, node.depth)
            return counts
        labels = facet_labels().get(name, {})
        if name in ORGANISATION_FACETS:
            per_organisation = self.values("organisation", skip=name)
            organisations = self.organisations
            found = []
            for (_kind, pk), n in per_organisation.items():
                key, label, country, org_kind = organisations[int(pk)]
                value = {"organisation": key, "country": country, "organisation_kind": org_kind}
                value = value[name]
                if value:  # international bodies have no country to filter by
                    found.append((value, label if name == "organisation" else None, n))
        elif name == "type":
            found = [(kind, None, n) for (kind, _value), n in self.values("type", name).items()]
        else:
            found = [(value, None, n) for (_kind, value), n in self.values(name, name).items()]
        for value, label, n in found:
            label = label or labels.get(value, value)
            previous = counts.get(value, (label, 0, 0))
            counts[value] = (label, previous[1] + n, 0)
        if name == "type":
            for value, label in TYPE_CHOICES:
                counts.setdefault(value, (label, 0, 0))
        return counts

    # --- Facets as a page shows them ---

    def shows(self, name):
        """Whether the page shows this facet: "also tagged" only once a topic is chosen."""
        return name != "also_topic" or bool(
            self.params.get("topic") or self.params.get("also_topic")
        )

    def facet(self, name, base_url, extra=None, full_list_url=None, full=False):
        """One facet: its selected values and the FACET_LIMIT biggest others, the next ones
        folded away, and the link to the full list when there are more; `full`: every value."""
        title, mode = next((t, m) for n, t, m in FACETS if n == name)
        counts = self.counts(name)
        selected = set(self.params.get(name, []))
        values = [
            (value, label, count, depth)
            for value, (label, count, depth) in counts.items()
            if (count or value in selected) and value not in self._implied(name)
        ]
        values += [(value, value, 0, 0) for value in selected - set(counts)]
        sort_key = self._sort_key(name)
        by_count = sorted(values, key=lambda v: (v[0] not in selected, -v[2], v[1].lower()))
        cut = len(values) if full else max(FACET_LIMIT, len(selected))
        shown = sorted(by_count[:cut], key=sort_key)
        folded = [] if full else sorted(by_count[cut:FACET_FOLDED], key=sort_key)
        facet = Facet(name, title, mode, more=max(0, len(values) - max(cut, FACET_FOLDED)))
        if facet.narrows:
            facet.of = sum(self.totals().values())
        if facet.more and full_list_url:
            facet.more_url = full_list_url(name) + canonical_query(self._without_page(), extra)
        for group, target in ((shown, facet.values), (folded, facet.hidden)):
            for value, label, count, depth in group:
                toggled = self._without_page()
                toggled[name] = sorted(selected ^ {value})
                url = base_url + canonical_query(toggled, extra)
                target.append(FacetValue(value, label, count, value in selected, url, depth))
        return facet

    def facets(self, base_url, extra=None, full_list_url=None):
        return [
            self.facet(name, base_url, extra, full_list_url)
            for name in FACET_NAMES
            if self.shows(name)
        ]

    def _without_page(self):
        return {k: v for k, v in self.params.items() if k != "page"}

    def _implied(self, name):
        """ "Also tagged" leaves out the topics every result carries already: those that each
        chosen `topic` is, or is below."""
        if name != "also_topic":
            return set()
        common = None
        for key in self.params.get("topic", []):
            node, lineage = self.tree.by_key.get(key), set()
            while node is not None and node.key not in lineage:
                lineage.add(node.key)
                node = self.tree.nodes.get(node.parent_id)
            common = lineage if common is None else common & lineage
        return common or set()

    def _sort_key(self, name):
        if name in TOPIC_FACETS:
            order = {node.key: i for i, node in enumerate(self.tree.walk())}
            return lambda v: order.get(v[0], len(order))
        if name == "type":
            return lambda v: 0 if v[0] == "statement" else 1
        return lambda v: (-v[2], v[1].lower())
