from django.urls import path

from .views import health, organisations, positions, search, texts, topics

# These URLs are part of the public contract: other sites link to them.
urlpatterns = [
    path("", topics.home, name="home"),
    path("topics/", topics.topic_index, name="topic-index"),
    path("topics/<slug:key>/", positions.topic_detail, name="topic-detail"),
    path("organisations/", organisations.organisation_index, name="organisation-index"),
    path(
        "organisations/<slug:key>/", organisations.organisation_detail, name="organisation-detail"
    ),
    path(
        "organisations/<slug:organisation>/topics/<slug:topic>/",
        positions.organisation_topic,
        name="organisation-topic",
    ),
    path("statements/<slug:key>/", texts.statement_detail, name="statement-detail"),
    path("congresses/<slug:key>/", texts.congress_detail, name="congress-detail"),
    path("resolutions/<slug:key>/", texts.resolution_detail, name="resolution-detail"),
    path("positions/", positions.positions, name="positions"),
    path("positions/facets/<slug:name>/", positions.positions_facet, name="positions-facet"),
    path("search/", search.search, name="search"),
    path("search/facets/<slug:name>/", search.search_facet, name="search-facet"),
    path("health/", health.health, name="health"),
]
