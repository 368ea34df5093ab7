from django.urls import include, path
from django.views.decorators.http import require_safe

from .views import (
    compare,
    downloads,
    feeds,
    health,
    organisations,
    positions,
    search,
    texts,
    topics,
)
from .views.pagecache import cached_page


def page(route, view, name, *, cached=True):
    """A public page: read-only, so it answers GET and HEAD and nothing else (405); a reader's
    copy is kept in the page cache, at the archive's current version."""
    return path(route, require_safe(cached_page(view) if cached else view), name=name)


# These URLs are part of the public contract: other sites link to them.
urlpatterns = [
    page("", topics.home, "home"),
    page("topics/", topics.topic_index, "topic-index"),
    page("topics/<slug:key>/", positions.topic_detail, "topic-detail"),
    page("organisations/", organisations.organisation_index, "organisation-index"),
    page("organisations/<slug:key>/", organisations.organisation_detail, "organisation-detail"),
    page(
        "organisations/<slug:organisation>/topics/<slug:topic>/",
        positions.organisation_topic,
        "organisation-topic",
    ),
    page("statements/<slug:key>/", texts.statement_detail, "statement-detail"),
    page("congresses/<slug:key>/", texts.congress_detail, "congress-detail"),
    page("resolutions/<slug:key>/", texts.resolution_detail, "resolution-detail"),
    page("positions/", positions.positions, "positions"),
    page("positions/facets/<slug:name>/", positions.positions_facet, "positions-facet"),
    page("compare/", compare.compare, "compare"),
    page("search/", search.search, "search"),
    page("search/facets/<slug:name>/", search.search_facet, "search-facet"),
    # Whether this server answers now: never from a cache.
    page("health/", health.health, "health", cached=False),
    page("downloads/positions.csv", downloads.positions_csv, "positions-csv", cached=False),
    page("downloads/positions.jsonl", downloads.positions_jsonl, "positions-jsonl", cached=False),
    page("downloads/search.csv", downloads.search_csv, "search-csv", cached=False),
    page("downloads/search.jsonl", downloads.search_jsonl, "search-jsonl", cached=False),
    page("feeds/positions/", feeds.positions_feed, "positions-feed", cached=False),
    page("feeds/search/", feeds.search_feed, "search-feed", cached=False),
    path("api/", include("statements.api.urls")),
]
