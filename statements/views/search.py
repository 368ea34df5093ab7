"""The search page: /search/?q=… over statements, resolutions, organisations and topics,
narrowed by the positions view's filters (the same FilterSet, the same parameters)."""

from django.db import OperationalError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from ..positions.facets import FACET_NAMES
from ..positions.params import (
    FILTER_PARAMETERS,
    FilterError,
    InvalidFilters,
    canonical_params,
    count_cap,
)
from ..routing import reads_primary
from ..search.parse import MAX_QUERY_CHARS
from ..search.service import (
    SEARCH_DEFAULT_SORT,
    SEARCH_SORTS,
    TOO_LONG,
    TOO_MANY,
    SearchPageError,
    filter_data,
    ran_out_of_time,
    search_archive,
    search_parameters,
)
from ..search.service import search_facet as search_facet_values
from .open_data import open_data_links

RESULTS_FRAGMENT = "results"


def run_search(request):
    """The search the request asks for, or the 400 page that says what is wrong with it."""
    sort = request.GET.get("sort", SEARCH_DEFAULT_SORT)
    if sort not in SEARCH_SORTS:
        return None, bad_request(
            request, [FilterError(f"sort={sort}", f"Sort by one of: {', '.join(SEARCH_SORTS)}.")]
        )
    try:
        return search_archive(
            request.GET.get("q", ""),
            request.GET,
            sort=sort,
            page=request.GET.get("page", "1"),
            exact=request.GET.get("exact") == "1",
            base_url=reverse("search"),
        ), None
    except InvalidFilters as invalid:
        return None, bad_request(request, invalid.errors)
    except SearchPageError as error:
        page = request.GET.get("page")
        return None, bad_request(request, [FilterError(f"page={page}", str(error))])


@reads_primary  # a search makes a temporary table: see statements/routing.py
def search(request):
    results, error = run_search(request)
    if error:
        return error
    page_range = list(range(1, results.pages + 1))
    if results.pages > 9:
        near = set(range(results.page_number - 2, results.page_number + 3)) | {1, results.pages}
        page_range = [n for n in page_range if n in near]
    context = {
        "title": f"Search: {results.text}" if results.text else "Search",
        "query": results.text if not results.corrected_from else results.corrected_from,
        "results": results,
        "sorts": SEARCH_SORTS,
        "default_sort": SEARCH_DEFAULT_SORT,
        "cap": count_cap(),
        "max_query_chars": MAX_QUERY_CHARS,
        "page_range": page_range,
        "filters_active": any(request.GET.get(name) for name in FILTER_PARAMETERS),
        "crumbs": [("Search", None)],
        "facets": results.facets,
        "open_data": open_data_links(
            "search",
            canonical_params(filter_data(request.GET)),
            search_parameters(results.text, results.sort),
        )
        if results.searched
        else [],
    }
    template = "search/results.html"
    if request.headers.get("X-Fragment") == RESULTS_FRAGMENT:
        template += f"#{RESULTS_FRAGMENT}"
    response = render(request, template, context)
    if search_timed_out(results):
        # Whether a search finishes in time depends on the load of the moment, not only on
        # the archive: a later request may be answered, so none may keep this one.
        add_never_cache_headers(response)
    return response


def search_timed_out(results):
    return bool(results.message) and (
        results.message == TOO_LONG or results.message.startswith(TOO_MANY.split("{")[0])
    )


@reads_primary
def search_facet(request, name):
    """A facet's full list under a search: every value, with its exact count and its link."""
    if name not in FACET_NAMES:
        raise Http404("No such facet.")
    sort = request.GET.get("sort", SEARCH_DEFAULT_SORT)
    if sort not in SEARCH_SORTS:
        sort = SEARCH_DEFAULT_SORT
    try:
        text, facet = search_facet_values(
            request.GET.get("q", ""), request.GET, name, sort=sort, base_url=reverse("search")
        )
    except InvalidFilters as invalid:
        return bad_request(request, invalid.errors)
    except OperationalError as error:
        if not ran_out_of_time(error):
            raise
        return bad_request(request, [FilterError(f"q={request.GET.get('q', '')}", TOO_LONG)])
    if facet is None:
        raise Http404("There is nothing to search for.")
    query = request.GET.copy()
    query.pop("page", None)
    back = reverse("search") + ("?" + query.urlencode() if query else "")
    return render(
        request,
        "positions/facet.html",
        {
            "facet": facet,
            "back_url": back,
            "title": f"{facet.title}: every value for “{text}”",
            "cap": count_cap(),
            "crumbs": [("Search", back), (facet.title, None)],
        },
    )


def bad_request(request, errors):
    return render(
        request,
        "400.html",
        {"errors": errors, "title": "Some of the search parameters are not valid"},
        status=400,
    )
