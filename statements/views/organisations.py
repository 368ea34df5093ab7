"""Organisations: the index (filtered by country and kind) and an organisation's page."""

from itertools import groupby

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import codes
from ..codes import RELATION_INVERSE, OrganisationKind
from ..models import Organisation, Statement
from ..positions.filterset import OrganisationFilterSet, PositionFilterSet
from ..positions.params import FilterError, canonical_query, count_cap, without_blanks
from ..positions.results import Positions
from .open_data import open_data_links
from .positions import bad_request, compare_url, linked_timeline
from .topics import published_statement_count

ORGANISATIONS_PER_PAGE = 50
LISTED = 10  # statements shown under "addressed to" and "mentioned in"
RECENT = 8  # the newest positions listed; the rest are one link away, on the positions view
TOPICS_SHOWN = 20  # the biggest topics shown as links; the others behind a disclosure


def organisation_index(request):
    data = without_blanks(request.GET)
    if data.urlencode() != request.GET.urlencode():
        # The form's "any country" and "any kind" send empty values: drop them from the URL.
        query = data.urlencode()
        return HttpResponsePermanentRedirect(request.path + (f"?{query}" if query else ""))
    organisations = OrganisationFilterSet(
        data,
        queryset=Organisation.objects.annotate(statement_count=published_statement_count()),
    )
    if not organisations.is_valid():
        return bad_request(request, organisations.error_list())
    paginator = Paginator(organisations.qs.order_by("name", "pk"), ORGANISATIONS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page", "1"))
    except (PageNotAnInteger, EmptyPage):
        return bad_request(
            request,
            [
                FilterError(
                    f"page={request.GET.get('page')}",
                    f"There is no such page: pages run from 1 to {paginator.num_pages}.",
                )
            ],
        )
    present = (
        Organisation.objects.exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    names = codes.country_names()
    countries = sorted(((c, names.get(c, c)) for c in present), key=lambda c: c[1])
    selected = organisations.form.cleaned_data
    return render(
        request,
        "organisations/index.html",
        {
            "page": page,
            "page_range": list(paginator.get_elided_page_range(page.number)),
            "count": paginator.count,
            "countries": countries,
            "kinds": OrganisationKind.choices,
            "selected_countries": selected.get("country") or [],
            "selected_kinds": selected.get("kind") or [],
            "title": "Organisations",
            "crumbs": [("Organisations", None)],
        },
    )


def organisation_detail(request, key):
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), key=key)
    selection = PositionFilterSet({"organisation": [organisation.key]})
    positions = Positions(selection)

    tree = selection.topic_tree
    counts = {}
    for (_kind, topic_id), n in positions.engine.topic_counts().items():
        counts[topic_id] = counts.get(topic_id, 0) + n
    # The topics as compact links (the biggest first), not every title under each: a large
    # organisation's page stays a page.
    topics = sorted(
        (node for node in tree.walk() if counts.get(node.id)),
        key=lambda node: (-counts[node.id], node.name),
    )
    topic_links = [
        {
            "topic": node,
            "count": counts[node.id],
            "url": reverse("organisation-topic", args=[organisation.key, node.key]),
        }
        for node in topics
    ]

    affiliates = organisation.affiliates.select_related("organisation").order_by(
        "relation", "organisation__name"
    )
    inverse = [
        (RELATION_INVERSE.get(relation, relation), [a.organisation for a in items])
        for relation, items in groupby(affiliates, key=lambda a: a.relation)
    ]
    addressed = Statement.objects.published().filter(addressed_to=organisation)
    mentioned = Statement.objects.published().filter(mentions=organisation)
    # "and N more" is shown capped: counting stops one past the cap.
    enough = count_cap() + LISTED + 1
    addressed_count = addressed.order_by()[:enough].count()
    mentioned_count = mentioned.order_by()[:enough].count()
    ancestors = []
    parent = organisation.parent
    while parent is not None and parent not in ancestors and len(ancestors) < 20:
        ancestors.insert(0, parent)
        parent = parent.parent
    crumbs = [("Organisations", reverse("organisation-index"))]
    crumbs += [(a.label, a.get_absolute_url()) for a in ancestors]
    crumbs.append((organisation.label, None))
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "open_data": open_data_links("positions", {"organisation": [organisation.key]}),
            "country_name": codes.country_names().get(organisation.country, ""),
            "children": organisation.children.order_by("name"),
            "affiliations": organisation.affiliations.select_related("target").order_by(
                "relation", "target__name"
            ),
            "inverse_affiliations": inverse,
            "congresses": organisation.congresses.annotate(
                resolution_count=Count("resolutions")
            ).order_by("-year", "name"),
            "topics": topic_links[:TOPICS_SHOWN],
            "more_topics": topic_links[TOPICS_SHOWN:],
            "recent": positions.page(1).object_list[:RECENT],
            "compare_url": compare_url({"organisation": [organisation.key]}),
            "all_positions_url": reverse("positions")
            + canonical_query({"organisation": [organisation.key]}),
            # The timeline's grouped counts already hold both totals.
            "statement_count": positions.counts[0],
            "resolution_count": positions.counts[1],
            "timeline": linked_timeline(positions, reverse("positions")),
            "addressed": addressed.select_related("organisation").without_vectors()[:LISTED],
            "addressed_more": max(0, addressed_count - LISTED),
            "mentioned": mentioned.select_related("organisation").without_vectors()[:LISTED],
            "mentioned_more": max(0, mentioned_count - LISTED),
            "cap": count_cap(),
            "title": str(organisation),
            "crumbs": crumbs,
        },
    )
