"""The search page: /search/?q=… over statements, resolutions, organisations and topics,
narrowed by the positions view's filters (the same FilterSet, the same parameters)."""

from django.shortcuts import render
from django.urls import reverse

from ..filters import FilterError, InvalidFilters
from ..search import (
    COUNT_CAP,
    DEFAULT_SORT,
    FACET_SAMPLE,
    MAX_QUERY_CHARS,
    SORTS,
    SearchPageError,
    search_archive,
)

RESULTS_FRAGMENT = "results"


def search(request):
    q = request.GET.get("q", "")
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        return bad_request(
            request, [FilterError(f"sort={sort}", f"Sort by one of: {', '.join(SORTS)}.")]
        )
    try:
        results = search_archive(
            q,
            request.GET,
            sort=sort,
            page=request.GET.get("page", "1"),
            exact=request.GET.get("exact") == "1",
            base_url=reverse("search"),
        )
    except InvalidFilters as invalid:
        return bad_request(request, invalid.errors)
    except SearchPageError as error:
        return bad_request(request, [FilterError(f"page={request.GET.get('page')}", str(error))])

    page_range = list(range(1, results.pages + 1))
    if results.pages > 9:
        near = set(range(results.page_number - 2, results.page_number + 3)) | {1, results.pages}
        page_range = [n for n in page_range if n in near]
    filters_active = any(
        request.GET.get(name)
        for name in ("type", "topic", "organisation", "country", "organisation_kind", "kind",
                     "language", "year_from", "year_to")
    )  # fmt: skip
    context = {
        "title": f"Search: {results.text}" if results.text else "Search",
        "query": results.text if not results.corrected_from else results.corrected_from,
        "results": results,
        "sorts": SORTS,
        "default_sort": DEFAULT_SORT,
        "cap": COUNT_CAP,
        "facet_sample": FACET_SAMPLE,
        "max_query_chars": MAX_QUERY_CHARS,
        "page_range": page_range,
        "filters_active": filters_active,
        "crumbs": [("Search", None)],
        "facets": results.facets,
    }
    template = "search/results.html"
    if request.headers.get("X-Fragment") == RESULTS_FRAGMENT:
        template += f"#{RESULTS_FRAGMENT}"
    return render(request, template, context)


def bad_request(request, errors):
    return render(
        request,
        "400.html",
        {"errors": errors, "title": "Some of the search parameters are not valid"},
        status=400,
    )
