"""Conditional answers for the open data (API, downloads, feeds): an ETag and Last-Modified
from the archive's version (models.ArchiveVersion), so that a client polling an unchanged
archive gets a 304 for one tiny query, and any change anywhere gives every URL a new tag."""

from functools import wraps

from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from .models import ArchiveVersion


def archive_version(request):
    if not hasattr(request, "_archive_version"):
        request._archive_version = ArchiveVersion.current()
    return request._archive_version


def archive_conditional(view):
    """The view, answering 304 to a request whose If-None-Match or If-Modified-Since the
    archive has not moved past; its answers say caches must ask again before reuse."""

    def etag(request, *args, **kwargs):
        return archive_version(request)[0]

    def last_modified(request, *args, **kwargs):
        return archive_version(request)[1]

    conditional = condition(etag_func=etag, last_modified_func=last_modified)(view)

    @wraps(view)  # keeps what DRF and the schema read off the view (cls, initkwargs)
    def answer(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        patch_cache_control(response, public=True, no_cache=True)
        return response

    return answer
