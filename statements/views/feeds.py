"""Atom feeds of new positions (Django's syndication framework): /feeds/positions/ with the
positions view's query string (so a topic's page, an organisation's page and a permalink
each have theirs) and /feeds/search/?q=… for a search. Newest arrivals in the archive first,
so an answer that arrives today with last year's date is news."""

from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..conditional import archive_conditional
from ..positions.filterset import PositionFilterSet
from ..positions.listing import hydrate
from ..positions.params import canonical_params, canonical_query
from ..routing import reads_primary
from ..search.service import (
    SEARCH_DEFAULT_SORT,
    filter_data,
    search_matches,
    search_parameters,
)
from .downloads import search_or_400, selection_or_400

ITEMS = 50


@dataclass
class Selection:
    title: str
    link: str
    feed_url: str
    positions: list = field(default_factory=list)


def newest_arrivals(statements, resolutions, limit=ITEMS):
    """The last positions to enter the archive, newest first (ties by id)."""
    rows = []
    for queryset in (statements, resolutions):
        kind = queryset.model._meta.model_name
        rows += [
            (created, pk, kind)
            for created, pk in queryset.order_by("-created", "-pk").values_list("created", "pk")[
                :limit
            ]
        ]
    rows.sort(reverse=True)
    return hydrate([(kind, pk) for _created, pk, kind in rows[:limit]])


def describe(selection):
    """The selection in words: "on Trafficking in human beings, by LO, 2009-2012"."""
    data = selection.form.cleaned_data
    parts = []
    topics = [*(data.get("topic") or []), *(data.get("also_topic") or [])]
    if topics:
        parts.append("on " + " and ".join(t.name for t in topics))
    if data.get("organisation"):
        parts.append("by " + ", ".join(o.label for o in data["organisation"]))
    for name in ("country", "organisation_kind", "kind", "language", "type"):
        if data.get(name):
            parts.append(f"{name.replace('_', ' ')} {', '.join(data[name])}")
    if data.get("year_from") or data.get("year_to"):
        parts.append(f"{data.get('year_from') or '…'}\N{EN DASH}{data.get('year_to') or '…'}")
    return ", ".join(parts)


class PositionsFeed(Feed):
    """One instance per request (see the views below): it holds the request's selection."""

    feed_type = Atom1Feed

    def __init__(self, selection=None, sort=SEARCH_DEFAULT_SORT):
        self.selection, self.sort = selection, sort

    def get_object(self, request):
        words = describe(self.selection)
        params = {k: v for k, v in canonical_params(request.GET).items() if k != "page"}
        statements, resolutions = self.selection.filtered()
        return Selection(
            title=f"New positions {words}" if words else "New positions",
            link=reverse("positions") + canonical_query(params),
            feed_url=request.get_full_path(),
            positions=newest_arrivals(statements, resolutions),
        )

    def title(self, obj):
        return f"{obj.title} · Policy archive"

    def link(self, obj):
        return obj.link

    def feed_url(self, obj):
        return obj.feed_url

    def subtitle(self, obj):
        return "Statements and resolutions as they enter the archive, newest first."

    def items(self, obj):
        return obj.positions

    def item_title(self, position):
        return f"{position.organisation.label}: {position.object.title}"

    def item_description(self, position):
        return position.lead

    def item_link(self, position):
        return position.object.get_absolute_url()

    def item_pubdate(self, position):
        return position.object.created

    def item_updateddate(self, position):
        return getattr(position.object, "updated", None) or position.object.created

    def item_author_name(self, position):
        return position.organisation.name

    def item_categories(self, position):
        return sorted(t.name for t in position.object.topics.all())


class SearchFeed(PositionsFeed):
    def get_object(self, request):
        text = request.GET.get("q", "")
        with search_matches(text, request.GET, SEARCH_DEFAULT_SORT) as (positions, _rows):
            found = (
                newest_arrivals(positions.statements, positions.resolutions) if positions else []
            )
        selection = PositionFilterSet(filter_data(request.GET))
        words = describe(selection) if selection.is_valid() else ""
        params = {k: v for k, v in canonical_params(filter_data(request.GET)).items()}
        return Selection(
            title=f"New positions for “{text}”" + (f", {words}" if words else ""),
            link=reverse("search") + canonical_query(params, search_parameters(text, self.sort)),
            feed_url=request.get_full_path(),
            positions=found,
        )


@archive_conditional
def positions_feed(request):
    selection, error = selection_or_400(request)
    return error or PositionsFeed(selection)(request)


@reads_primary  # a search makes a temporary table: see statements/routing.py
@archive_conditional
def search_feed(request):
    sort, error = search_or_400(request)
    return error or SearchFeed(sort=sort)(request)
