from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

admin.site.site_header = "Policy archive: editors"
admin.site.site_title = "Policy archive"
admin.site.index_title = "Organisations, statements, resolutions and topics"


@require_safe
def bare(request):
    """The framework's ceiling for bench/load_bench.py: a view that touches no database.
    Only there when DJANGO_BENCH_VIEWS=1; a 404 otherwise."""
    if not settings.BENCH_VIEWS:
        raise Http404("No such page.")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("bench/bare/", bare),
    path("", include("statements.urls")),
]
