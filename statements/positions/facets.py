"""The one facet engine, behind the positions view, the topic and organisation pages, the
permalinks and search: for each facet, every value with the number of results that the value
alone gives under the selection's other filters, and the link that picks it.

Values of one parameter are ORed, so a facet does not narrow its own counts: its parameter is
left out while it is counted. "Also tagged" is the exception, since its values are ANDed: it
counts the topics of the current results, and a click narrows to those also tagged.

The counts read PositionFacts, one narrow row per public position: one grouped query (by type,
organisation, language, kind and year) gives every facet but the topics, the totals and the
timeline, and one more the topics; a facet whose own parameter is in the selection needs its
query again without it. What filters nothing is read from the maintained totals instead."""

from dataclasses import dataclass, field

from django.db import connection

from .. import codes
from ..codes import OrganisationKind, StatementKind
from ..models import Organisation, PositionTotal
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
    """Counts under a selection. `facts(skip)` gives the PositionFacts under every filter but
    `skip`, or None when that is the whole public archive: then the maintained totals
    (PositionTotal) answer, whatever the archive's size. `params` is the selection's
    canonical parameters."""

    def __init__(self, facts, params, tree):
        self.facts, self.params, self.tree = facts, params, tree
        self._rows, self._topics, self._totals, self._organisations = {}, {}, None, {}

    def _skip(self, skip):
        return skip if skip is not None and self.params.get(skip) else None

    # --- Counting ---

    def _read(self, skip):
        """Count the facts under the selection without `skip` once, for both the grouped rows
        and the topics: one pass over the selection's facts, grouped two ways."""
        facts = self.facts(skip)
        if facts is None:
            self._rows[skip] = self._topics[skip] = None
            return
        columns = ("type", "organisation_id", "language", "kind", "year", "topics")
        sql, params = facts.order_by().values(*columns).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH f AS MATERIALIZED ({sql})"
                " SELECT false, type, organisation_id, language, kind, year, count(*) FROM f"
                " GROUP BY type, organisation_id, language, kind, year"
                " UNION ALL"
                " SELECT true, type, topic, NULL, NULL, NULL, count(*)"
                " FROM f, unnest(f.topics) topic GROUP BY type, topic",
                params,
            )
            found = cursor.fetchall()
        self._rows[skip] = [row[1:] for row in found if not row[0]]
        self._topics[skip] = {(row[1], row[2]): row[6] for row in found if row[0]}

    def rows(self, skip=None):
        """(type, organisation id, language, statement kind, year, count) rows under the
        selection without the filter `skip`, cached; None for the whole archive."""
        skip = self._skip(skip)
        if skip not in self._rows:
            self._read(skip)
        return self._rows[skip]

    def archive_totals(self):
        """{(facet, value, type): count} over the whole public archive, maintained."""
        if self._totals is None:
            self._totals = {
                (facet, value, kind): n
                for facet, value, kind, n in PositionTotal.objects.values_list(
                    "facet", "value", "type", "count"
                )
            }
        return self._totals

    def archive_counts(self, facet, kind):
        """{value: count} of one facet and type over the whole public archive."""
        return {
            value: n
            for (name, value, item_type), n in self.archive_totals().items()
            if name == facet and item_type == kind
        }

    def topic_counts(self, skip=None):
        """{(type, topic id): count}: each position once per topic it carries or is below."""
        skip = self._skip(skip)
        if skip not in self._topics:
            self._read(skip)
        if self._topics[skip] is None:
            return {
                (kind, int(value)): n
                for (facet, value, kind), n in self.archive_totals().items()
                if facet == "topic"
            }
        return self._topics[skip]

    def totals(self):
        """{type: number of results} under the whole selection: exact."""
        totals = {"statement": 0, "resolution": 0}
        rows = self.rows()
        if rows is None:
            for (facet, _value, kind), n in self.archive_totals().items():
                if facet == "type":
                    totals[kind] += n
        else:
            for kind, *_rest, n in rows:
                totals[kind] += n
        return totals

    def per_year(self):
        """({year: number of results}, number undated) under the whole selection."""
        per_year, undated = {}, 0
        rows = self.rows()
        if rows is None:
            for (facet, value, _kind), n in self.archive_totals().items():
                if facet != "year":
                    continue
                if value:
                    per_year[int(value)] = per_year.get(int(value), 0) + n
                else:
                    undated += n
            return per_year, undated
        for *_rest, year, n in rows:
            if year is None:
                undated += n
            else:
                per_year[year] = per_year.get(year, 0) + n
        return per_year, undated

    def organisations(self, ids):
        """{id: (key, label, country, kind)} of these organisations, read once each."""
        missing = set(ids) - set(self._organisations)
        if missing:
            for pk, key, name, short_name, country, kind in Organisation.objects.filter(
                pk__in=missing
            ).values_list("id", "key", "name", "short_name", "country", "kind"):
                self._organisations[pk] = (key, short_name or name, country, kind)
        return self._organisations

    def counts(self, name):
        """{value: (label, count, depth)} for one facet."""
        if name in TOPIC_FACETS:
            totals = {}
            for (_kind, topic_id), n in self.topic_counts(
                "topic" if name == "topic" else None
            ).items():
                totals[topic_id] = totals.get(topic_id, 0) + n
            nodes = self.tree.nodes
            return {
                nodes[i].key: (nodes[i].name, n, nodes[i].depth)
                for i, n in totals.items()
                if i in nodes
            }
        rows = self.rows(skip=name)
        if rows is None:  # the whole archive: from the totals, per organisation and value
            rows = []
            for (facet, value, kind), n in self.archive_totals().items():
                if facet == "type" == name:
                    rows.append((kind, None, None, None, None, n))
                elif facet == "organisation" and name in ORGANISATION_FACETS:
                    rows.append((kind, int(value), None, None, None, n))
                elif facet == name:
                    rows.append((kind, None, value, value, None, n))
        organisations = (
            self.organisations({row[1] for row in rows}) if name in ORGANISATION_FACETS else {}
        )
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
