"""Compare organisations on a topic: /compare/?topic=…&organisation=…&organisation=… (two to
four), with any filter of the positions view. A permalink: the query string is the selection,
in canonical form (another form is redirected to it).

Without a topic, or with fewer than two organisations, the page is the form that chooses them
(the topic, organisation and positions pages link to it with their whole selection filled in);
with a topic and one organisation it says that a comparison needs two to four and offers the
organisations with the most positions under the selection, each a link that adds it. More than
four is a form error (400) on the same form, everything chosen kept; an unknown or malformed
value is the positions view's 400 page."""

from urllib.parse import parse_qsl

from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse

from ..positions.compare import (
    COMPARED_MAX,
    COMPARED_MIN,
    SHARED_TEXTS,
    SHARED_WORDS,
    Comparison,
)
from ..positions.filterset import PositionFilterSet
from ..positions.params import (
    FILTER_PARAMETERS,
    SORTS,
    canonical_params,
    canonical_query,
)
from ..positions.results import Positions
from .positions import bad_request, permalink_applies

CANDIDATES = 60  # organisations offered in the form: the most positions under the selection
ADDITIONS = 8  # with one organisation chosen, those offered as links that add them
# Kept as they are by the form (its own fields are topic, organisation and the years).
OWN_FIELDS = ("topic", "organisation", "year_from", "year_to")
CARRIED = [name for name in (*FILTER_PARAMETERS, "sort") if name not in OWN_FIELDS]


def compare(request):
    selection = PositionFilterSet(request.GET)
    if not selection.is_valid():
        return bad_request(request, selection.error_list())
    params = {k: v for k, v in canonical_params(request.GET).items() if k != "page"}
    if params.get("organisation"):
        # The organisations stay in the order chosen: the columns' order, "LO and ITUC".
        params["organisation"] = chosen_order(request.GET.getlist("organisation"))
    query = canonical_query(params)
    given = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    if parse_qsl(query.lstrip("?")) != given:
        return HttpResponsePermanentRedirect(request.path + query)

    chosen = len(params.get("organisation", []))
    ctx = form_context(selection, params)
    ctx.update(canonical_path=request.path + query, crumbs=[("Compare", None)])
    if chosen > COMPARED_MAX:
        return refused(request, ctx, chosen)
    if not params.get("topic") or chosen < COMPARED_MIN:
        ctx["title"] = "Compare organisations on a topic"
        if params.get("topic") and chosen:
            ctx.update(too_few(selection, params, ctx["candidates"]))
        return render(request, "compare/page.html", ctx)

    comparison = Comparison(selection)
    for side in comparison.sides:
        side.url = positions_url(side.params)
    names = [side.organisation.label for side in comparison.sides]
    topics = ", ".join(t.name for t in selection.form.cleaned_data["topic"])
    ctx.update(
        comparison=comparison,
        title=f"{', '.join(names[:-1])} and {names[-1]} on {topics}",
        together_url=positions_url(params),
    )
    return render(request, "compare/page.html", ctx)


def chosen_order(keys):
    """The keys given, each once, blanks left out, in the order given."""
    return list(dict.fromkeys(key.strip() for key in keys if key.strip()))


def too_few(selection, params, candidates):
    """With a topic and one organisation: its label, and the organisations with the most
    positions under the selection (others than it), each with the address of the comparison
    that adds it."""
    chosen = params["organisation"]
    labels = {o.key: o.label for o in selection.form.cleaned_data["organisation"]}
    ranked = sorted(
        (c for c in candidates if c[0] not in chosen and c[2]), key=lambda c: (-c[2], c[1].lower())
    )
    return {
        "chosen_labels": [labels[key] for key in chosen if key in labels],
        "additions": [
            (
                label,
                count,
                reverse("compare") + canonical_query({**params, "organisation": [*chosen, key]}),
            )
            for key, label, count in ranked[:ADDITIONS]
        ],
    }


def refused(request, ctx, chosen):
    """The form again, with what is wrong with the number of organisations (too many)."""
    ctx["title"] = "Compare organisations on a topic"
    ctx["organisation_error"] = (
        f"Choose from {COMPARED_MIN} to {COMPARED_MAX} organisations to compare: "
        f"{chosen} were chosen."
    )
    return render(request, "compare/page.html", ctx, status=400)


def positions_url(params):
    """The positions view of a selection: the readable permalink when it is one organisation
    on one topic."""
    params = {k: v for k, v in params.items() if k != "sort"}
    if permalink_applies(params):
        rest = {k: v for k, v in params.items() if k not in ("organisation", "topic")}
        path = reverse("organisation-topic", args=[params["organisation"][0], params["topic"][0]])
        return path + canonical_query(rest)
    return reverse("positions") + canonical_query(params)


def form_context(selection, params):
    """What the form shows: every topic, the organisations with the most positions under the
    rest of the selection (the positions view's organisation facet), the years, and the other
    filters carried along as they are."""
    positions = Positions(selection)
    tree = selection.topic_tree
    counts = positions.engine.counts("organisation")
    chosen = params.get("organisation", [])
    ranked = sorted(counts.items(), key=lambda item: (-item[1][1], item[1][0].lower()))
    candidates = [(key, label, n) for key, (label, n, _depth) in ranked[:CANDIDATES]]
    missing = [key for key in chosen if key not in {c[0] for c in candidates}]
    for organisation in selection.form.cleaned_data.get("organisation") or []:
        if organisation.key in missing:
            candidates.append((organisation.key, organisation.label, 0))
    candidates.sort(key=lambda c: c[1].lower())
    topics = params.get("topic", [])
    data = selection.form.cleaned_data
    return {
        # Sub-topics indented under their topic, as the topic tree lists them.
        "topics": [(node.key, "· " * node.depth + node.name) for node in tree.walk()],
        "chosen_topic": topics[0] if topics else "",
        "candidates": candidates,
        # A select per organisation chosen (more than four too: none is lost), at least four.
        "slots": [
            (n, chosen[n - 1] if n <= len(chosen) else "")
            for n in range(1, max(COMPARED_MAX, len(chosen)) + 1)
        ],
        "year_from": data.get("year_from"),
        "year_to": data.get("year_to"),
        "hidden_params": [("topic", key) for key in topics[1:]]
        + [(name, value) for name in CARRIED for value in params.get(name, [])],
        "sort_label": SORTS.get(selection.sort_order),
        "compared_min": COMPARED_MIN,
        "compared_max": COMPARED_MAX,
        "shared_words": SHARED_WORDS,
        "shared_texts": SHARED_TEXTS,
    }
