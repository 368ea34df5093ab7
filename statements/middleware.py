"""The archive unavailable, not broken: while the database cannot be reached, every page
answers 503 with a page that says so and when to try again, and the app recovers by itself
when the database returns (Django opens a new connection for the next request)."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30
logger = logging.getLogger(__name__)


def database_unreachable(error):
    """Whether the error is the database being gone, rather than a query of ours failing."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    # A lost or refused connection leaves none usable; a cancelled query (a time limit)
    # leaves it open and is the page's own error.
    return connection.connection is None or connection.connection.closed


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError) or not database_unreachable(exception):
            return None
        logger.warning("database unreachable: %s", exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
