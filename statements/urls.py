from django.urls import include, path
from django.views.decorators.http import require_safe

from .views import (
    citations,
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


def page(route, view, name, *, cached=True, kwargs=None):
    """A public page: read-only, so it answers GET and HEAD and nothing else (405); a reader's
    copy is kept in the page cache, at the archive's current version."""
    return path(route, require_safe(cached_page(view) if cached else view), kwargs, name=name)


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
    # A draft, for editors: not a public page, never cached.
    page(
        "statements/<slug:key>/preview/", texts.statement_preview, "statement-preview", cached=False
    ),
    page("congresses/<slug:key>/", texts.congress_detail, "congress-detail"),
    page("resolutions/<slug:key>/", texts.resolution_detail, "resolution-detail"),
    # Citations: a page of every format, and each as a file (never a stale access date).
    page(
        "statements/<slug:key>/cite/",
        citations.cite,
        "statement-cite",
        kwargs={"kind": "statement"},
    ),
    page(
        "resolutions/<slug:key>/cite/",
        citations.cite,
        "resolution-cite",
        kwargs={"kind": "resolution"},
    ),
    page(
        "statements/<slug:key>/cite.bib",
        citations.cite_bib,
        "statement-cite-bib",
        cached=False,
        kwargs={"kind": "statement"},
    ),
    page(
        "statements/<slug:key>/cite.json",
        citations.cite_json,
        "statement-cite-json",
        cached=False,
        kwargs={"kind": "statement"},
    ),
    page(
        "resolutions/<slug:key>/cite.bib",
        citations.cite_bib,
        "resolution-cite-bib",
        cached=False,
        kwargs={"kind": "resolution"},
    ),
    page(
        "resolutions/<slug:key>/cite.json",
        citations.cite_json,
        "resolution-cite-json",
        cached=False,
        kwargs={"kind": "resolution"},
    ),
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
