"""/api/: the read-only JSON API, its OpenAPI schema and its documentation page. Every answer
carries the archive's ETag and Last-Modified (a 304 when unchanged)."""

from django.urls import path
from django.views.decorators.http import require_safe

from ..conditional import archive_conditional
from . import docs, views

app_name = "api"


def endpoint(route, view, name):
    return path(route, require_safe(archive_conditional(view.as_view())), name=name)


urlpatterns = [
    endpoint("", views.Root, "root"),
    endpoint("organisations/", views.OrganisationList, "organisations"),
    endpoint("organisations/<path:key>/", views.OrganisationDetail, "organisation-detail"),
    endpoint("topics/", views.TopicList, "topics"),
    endpoint("topics/<path:key>/", views.TopicDetail, "topic-detail"),
    endpoint("congresses/", views.CongressList, "congresses"),
    endpoint("congresses/<path:key>/", views.CongressDetail, "congress-detail"),
    endpoint("resolutions/", views.ResolutionList, "resolutions"),
    endpoint("resolutions/<path:key>/", views.ResolutionDetail, "resolution-detail"),
    endpoint("statements/", views.StatementList, "statements"),
    endpoint("statements/<path:key>/", views.StatementDetail, "statement-detail"),
    endpoint("positions/", views.PositionList, "positions"),
    endpoint("search/", views.SearchList, "search"),
    path("schema/", require_safe(docs.schema_view), name="schema"),
    # The documentation: a page of the site's own, written from the schema.
    path("docs/", require_safe(docs.api_docs), name="docs"),
    # Anything else under /api/ is a JSON 404, not the site's HTML page.
    path("<path:rest>", require_safe(views.not_found), name="not-found"),
]
