"""The home page and the topics index: the topic tree with its counts."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render

from ..models import Organisation, Resolution, Statement
from ..positions.topics import TopicTree


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


def most_published(limit):
    """The organisations with the most published statements, each with its count: one
    grouped query over the statements, then the organisations themselves."""
    top = list(
        Statement.objects.published()
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation")[:limit]
    )
    found = Organisation.objects.in_bulk([row["organisation"] for row in top])
    organisations = []
    for row in top:
        organisation = found[row["organisation"]]
        organisation.statement_count = row["n"]
        organisations.append(organisation)
    return organisations


def home(request):
    tree = counted_tree()
    recent = (
        Statement.objects.published()
        .select_related("organisation", "addressed_to")
        .without_vectors()
        .order_by("-pk")[:8]  # the newest rows: an index scan, not a sort of every statement
    )
    organisations = most_published(12)
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
