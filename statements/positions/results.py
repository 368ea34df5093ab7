"""What a page shows of a selection: its exact counts, a page of positions in order, the facets
and the timeline; for every list of positions (the positions view, topic and organisation
pages, permalinks, search)."""

from functools import cached_property

from ..models import Alias
from ..search.headlines import term_pattern
from .facets import FacetEngine
from .listing import CountedPaginator, hydrate, ordered_by_title, ordered_facts
from .params import DATE_SORTS, count_cap, per_page
from .timeline import layout_timeline


class Positions:
    """The results of a valid PositionFilterSet.

    positions = Positions(PositionFilterSet(request.GET))
    positions.count, positions.counts        # exact totals (pages show them capped)
    positions.page(number)                   # a Django Page of Position objects, in order
    positions.facets(base_url)               # counts per value, each with its link
    positions.timeline()                     # positions per year"""

    def __init__(self, filterset):
        self.filterset = filterset
        self.statements, self.resolutions = filterset.filtered()
        self.facts = filterset.facts()
        self.params = filterset.canonical_params()
        self.engine = FacetEngine(
            filterset.facts, filterset.scope, self.params, filterset.topic_tree
        )

    @property
    def sort_order(self):
        return self.filterset.sort_order

    @cached_property
    def counts(self):
        """(statements, resolutions) under the selection: exact."""
        totals = self.engine.totals()
        return totals["statement"], totals["resolution"]

    @property
    def count(self):
        return sum(self.counts)

    def page(self, number=1, sort=None):
        """A Django Page of Position objects. Raises PageNotAnInteger or EmptyPage for a page
        that is not a positive whole number or lies beyond the last."""
        sort = sort or self.sort_order
        size = per_page()
        count = min(self.count, count_cap())
        if sort in DATE_SORTS:
            paginator = CountedPaginator(ordered_facts(self.facts, sort), size, count=count)
            number = paginator.validate_number(number)
        else:
            paginator = CountedPaginator(
                ordered_by_title(self.statements, self.resolutions), size, count=count
            )
            number = paginator.validate_number(number)
            paginator.object_list = ordered_by_title(
                self.statements, self.resolutions, limit=number * size
            )
        page = paginator.page(number)
        page.object_list = hydrate(list(page.object_list), self.topic_pattern)
        return page

    @cached_property
    def topic_pattern(self):
        """Whole-word matches of the selected topics' (and their sub-topics') names and
        aliases: the passages that speak to the selection."""
        topics = self.filterset.selected_topics
        if not topics:
            return None
        tree = self.filterset.topic_tree
        ids = tree.below([t.pk for t in topics])
        names = [tree.nodes[i].name for i in ids if i in tree.nodes]
        names += Alias.objects.filter(topic_id__in=ids).values_list("name", flat=True)
        return term_pattern(names)

    def facets(self, base_url, extra=None, full_list_url=None):
        return self.engine.facets(base_url, extra, full_list_url)

    def facet(self, name, base_url, extra=None):
        """One facet with every value (its full list)."""
        return self.engine.facet(name, base_url, extra, full=True)

    def timeline(self):
        """Positions per year under the selection."""
        return layout_timeline(*self.engine.per_year())

    def year_params(self, year):
        """The selection narrowed to one year, or widened again when it is that year alone."""
        params = {k: v for k, v in self.params.items() if k != "page"}
        if params.get("year_from") == [str(year)] and params.get("year_to") == [str(year)]:
            params.pop("year_from"), params.pop("year_to")
        else:
            params.update(year_from=[str(year)], year_to=[str(year)])
        return params

    def is_year_selected(self, year):
        return self.params.get("year_from") == [str(year)] == self.params.get("year_to")
