"""The home page and the topics index: the topic tree with its counts."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render

from ..filters import TopicTree
from ..models import Organisation, Resolution, Statement


def counted_tree():
    """The topic tree, each topic with its published statements and its resolutions,
    sub-topics included: two queries, whatever the number of topics."""
    return TopicTree().count(Statement.objects.published(), Resolution.objects.all())


def published_statement_count():
    """Published statements per organisation, as a subquery (no join, no DISTINCT)."""
    counts = (
        Statement.objects.published()
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def home(request):
    tree = counted_tree()
    recent = (
        Statement.objects.published()
        .select_related("organisation", "addressed_to")
        .order_by("-created", "title")[:8]
    )
    organisations = (
        Organisation.objects.annotate(
            statement_count=published_statement_count(),
            congress_count=Count("congresses", distinct=True),
        )
        .filter(Q(statement_count__gt=0) | Q(congress_count__gt=0))
        .order_by("-statement_count", "name")[:12]
    )
    return render(
        request,
        "home.html",
        {
            "tree": tree,
            "recent": recent,
            "organisations": organisations,
            "totals": {
                "statements": Statement.objects.published().count(),
                "resolutions": Resolution.objects.count(),
                "organisations": Organisation.objects.count(),
            },
            "title": None,
        },
    )


def topic_index(request):
    return render(
        request,
        "topics/index.html",
        {"tree": counted_tree(), "title": "Topics", "crumbs": [("Topics", None)]},
    )
