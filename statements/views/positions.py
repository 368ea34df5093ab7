"""The positions view, and the pages built on it: a topic's page and the readable permalinks
(/organisations/<organisation>/topics/<topic>/)."""

from urllib.parse import parse_qsl

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from ..models import Organisation, Topic
from ..positions.facets import FACET_NAMES
from ..positions.filterset import PositionFilterSet
from ..positions.params import (
    DEFAULT_SORT,
    PARAMETERS,
    SORTS,
    FilterError,
    canonical_params,
    canonical_query,
    count_cap,
    page_count,
)
from ..positions.results import Positions
from .open_data import open_data_links

RESULTS_FRAGMENT = "results"


def bad_request(request, errors, title="Some of the filters are not valid"):
    return render(request, "400.html", {"errors": errors, "title": title}, status=400)


def _query_pairs(request):
    return parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)


def render_positions(request, template, *, fixed=None, context=None, crumbs=None):
    """Filter, facet, paginate and render a list of positions.

    `fixed` holds the parameters that the path itself sets (a topic page's topic); the query
    string adds filters on top. A query string that is not in the canonical form (empty or
    unknown parameters, another order, a repeated value) is redirected to it; one that names
    an unknown or malformed value gets a 400 page that names it."""
    fixed = fixed or {}
    data = request.GET.copy()
    for name, values in fixed.items():
        data.setlist(name, values)
    selection = PositionFilterSet(data)
    if not selection.is_valid():
        return bad_request(request, selection.error_list())
    positions = Positions(selection)

    own = {k: v for k, v in canonical_params(request.GET).items() if k not in fixed}
    query = canonical_query(own)
    if parse_qsl(query.lstrip("?")) != [(k, v) for k, v in _query_pairs(request)]:
        return HttpResponsePermanentRedirect(request.path + query)

    try:
        page = positions.page(request.GET.get("page", "1"))
    except PageNotAnInteger:
        return bad_request(
            request,
            [FilterError(f"page={request.GET['page']}", "A page is a whole number from 1.")],
        )
    except EmptyPage:
        given = request.GET["page"]
        return bad_request(
            request,
            [
                FilterError(
                    f"page={given}",
                    "There is no such page: pages run from 1"
                    + (f" to {pages}." if (pages := page_count(positions.count)) > 1 else "."),
                )
            ],
        )

    canonical = request.path + query
    params = canonical_params(data)
    if request.path == reverse("positions") and permalink_applies(params):
        rest = {k: v for k, v in params.items() if k not in ("organisation", "topic")}
        canonical = reverse(
            "organisation-topic", args=[params["organisation"][0], params["topic"][0]]
        ) + canonical_query(rest)

    facets = positions.facets(reverse("positions"), full_list_url=positions_facet_url)
    year_from = selection.form.cleaned_data.get("year_from")
    year_to = selection.form.cleaned_data.get("year_to")
    # The page title says what is shown: the selection beyond what the path fixes.
    selection = [v.label for f in facets if f.name not in fixed for v in f.selected]
    if year_from or year_to:
        selection.append(f"{year_from or '…'}\N{EN DASH}{year_to or '…'}")
    context = dict(context or {})
    title = context.pop("title", "Positions")
    if selection:
        title = f"{title}: {', '.join(selection)}"
    if page.number > 1:
        title = f"{title} (page {page.number})"

    ctx = {
        "title": title,
        "positions": positions,
        "page": page,
        "page_range": list(
            page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ),
        "facets": facets,
        "timeline": linked_timeline(positions, request.path, fixed),
        "count": positions.count,
        "cap": count_cap(),
        "sort": positions.sort_order,
        "sort_choices": list(SORTS.items()),
        "default_sort": DEFAULT_SORT,
        "year_from": year_from,
        "year_to": year_to,
        "hidden_params": [
            (k, v)
            for k, values in own.items()
            if k not in ("year_from", "year_to", "sort", "page")
            for v in values
        ],
        "filters_active": bool({k for k in params if k not in ("sort", "page")} - set(fixed)),
        "clear_url": request.path,
        "canonical_path": canonical,
        "crumbs": crumbs or [],
        "open_data": open_data_links("positions", params),
        "compare_url": compare_url(params),
        **context,
    }
    if request.headers.get("X-Fragment") == RESULTS_FRAGMENT:
        # The results partial is the positions list's, which every such page extends.
        template = f"positions/list.html#{RESULTS_FRAGMENT}"
    return render(request, template, ctx)


def linked_timeline(positions, base_url, fixed=()):
    """The timeline, each bar a link to its year under the page's other filters (the year
    already chosen alone links back to every year), at `base_url` with what its path fixes
    left out of the query."""
    timeline = positions.timeline()
    for bar in timeline.bars:
        params = {k: v for k, v in positions.year_params(bar.year).items() if k not in fixed}
        bar.url = base_url + canonical_query(params)
    timeline.linked = True
    return timeline


def compare_url(params):
    """The compare page of the whole selection: every filter, the path's own (a topic page's
    topic, a permalink's organisation and topic) and the sort; only the page left out."""
    return reverse("compare") + canonical_query({k: v for k, v in params.items() if k != "page"})


def positions_facet_url(name):
    return reverse("positions-facet", args=[name])


def positions_facet(request, name):
    """A facet's full list under a selection: every value, with its count and its link."""
    if name not in FACET_NAMES:
        raise Http404("No such facet.")
    selection = PositionFilterSet(request.GET)
    if not selection.is_valid():
        return bad_request(request, selection.error_list())
    facet = Positions(selection).facet(name, reverse("positions"))
    back = reverse("positions") + canonical_query(
        {k: v for k, v in canonical_params(request.GET).items() if k != "page"}
    )
    return render(
        request,
        "positions/facet.html",
        {
            "facet": facet,
            "back_url": back,
            "title": f"{facet.title}: every value",
            "cap": count_cap(),
            "crumbs": [("Positions", back), (facet.title, None)],
        },
    )


def permalink_applies(params):
    return len(params.get("organisation", [])) == 1 and len(params.get("topic", [])) == 1


def positions(request):
    return render_positions(
        request,
        "positions/list.html",
        context={"title": "Positions", "parameters": PARAMETERS},
        crumbs=[("Positions", None)],
    )


def topic_detail(request, key):
    topic = get_object_or_404(
        Topic.objects.select_related("parent").prefetch_related("aliases", "related", "children"),
        key=key,
    )
    ancestors = []
    parent = topic.parent
    while parent is not None and parent not in ancestors and len(ancestors) < 20:
        ancestors.insert(0, parent)
        parent = parent.parent
    crumbs = [("Topics", reverse("topic-index"))]
    crumbs += [(a.name, a.get_absolute_url()) for a in ancestors]
    crumbs.append((topic.name, None))
    return render_positions(
        request,
        "topics/detail.html",
        fixed={"topic": [topic.key]},
        context={"topic": topic, "title": topic.name},
        crumbs=crumbs,
    )


def organisation_topic(request, organisation, topic):
    organisation = get_object_or_404(Organisation, key=organisation)
    topic = get_object_or_404(Topic, key=topic)
    return render_positions(
        request,
        "positions/list.html",
        fixed={"organisation": [organisation.key], "topic": [topic.key]},
        context={
            "organisation": organisation,
            "topic": topic,
            "title": f"{organisation.label} on {topic.name}",
        },
        crumbs=[
            ("Organisations", reverse("organisation-index")),
            (organisation.label, organisation.get_absolute_url()),
            (topic.name, None),
        ],
    )
