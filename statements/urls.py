from django.urls import include, path
from django.views.decorators.http import require_safe

from .views import downloads, feeds, health, organisations, positions, search, texts, topics


def page(route, view, name):
    """A public page: read-only, so it answers GET and HEAD and nothing else (405)."""
    return path(route, require_safe(view), name=name)


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
    page("search/", search.search, "search"),
    page("search/facets/<slug:name>/", search.search_facet, "search-facet"),
    page("health/", health.health, "health"),
    page("downloads/positions.csv", downloads.positions_csv, "positions-csv"),
    page("downloads/positions.jsonl", downloads.positions_jsonl, "positions-jsonl"),
    page("downloads/search.csv", downloads.search_csv, "search-csv"),
    page("downloads/search.jsonl", downloads.search_jsonl, "search-jsonl"),
    page("feeds/positions/", feeds.positions_feed, "positions-feed"),
    page("feeds/search/", feeds.search_feed, "search-feed"),
    path("api/", include("statements.api.urls")),
]
