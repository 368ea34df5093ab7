"""The home page and the topics index: the topic tree with its counts."""

from collections import Counter

from django.db.models import OuterRef, Subquery, TextField
from django.db.models.functions import Cast, Coalesce
from django.http import QueryDict
from django.shortcuts import render

from ..models import Organisation, PositionTotal, Statement
from ..positions.filterset import PositionFilterSet
from ..positions.results import Positions


def everything():
    """Every public position, as a selection: its counts come from the maintained totals."""
    return Positions(PositionFilterSet(QueryDict()))


def counted_tree(positions):
    """The topic tree, each topic with its published statements and its resolutions,
    sub-topics included."""
    return positions.filterset.topic_tree.count(positions.engine.topic_counts())


def published_statement_count():
    """Published statements per organisation, as a subquery of the maintained totals."""
    totals = PositionTotal.objects.filter(
        scope="", facet="organisation", type="statement", value=Cast(OuterRef("pk"), TextField())
    ).values("count")
    return Coalesce(Subquery(totals), 0)


def most_published(positions, limit):
    """The organisations with the most published statements, each with its count."""
    counts = positions.engine.archive_counts("organisation", "statement")
    top = sorted(counts.items(), key=lambda item: (-item[1], int(item[0])))[:limit]
    found = Organisation.objects.in_bulk([int(pk) for pk, _n in top])
    organisations = []
    for pk, n in top:
        organisation = found[int(pk)]
        organisation.statement_count = n
        organisations.append(organisation)
    return organisations


RECENT = 8


def recent_statements(limit=RECENT):
    """The newest published statements, each listed once: a copy of one already listed (the
    same title and text) is left out, and those that share a title are marked, for the page
    to tell them apart by their text."""
    newest = (
        Statement.objects.published()
        .select_related("organisation", "addressed_to")
        .without_vectors()
        .order_by("-pk")[: limit * 3]  # the newest rows: an index scan, not a sort of all
    )
    seen, recent = set(), []
    for statement in newest:
        if (statement.title, statement.text) not in seen:
            seen.add((statement.title, statement.text))
            recent.append(statement)
        if len(recent) == limit:
            break
    titles = Counter(statement.title for statement in recent)
    for statement in recent:
        statement.title_shared = titles[statement.title] > 1
    return recent


def home(request):
    positions = everything()
    tree = counted_tree(positions)
    recent = recent_statements()
    organisations = most_published(positions, 12)
    return render(
        request,
        "home.html",
        {
            "tree": tree,
            "recent": recent,
            "organisations": organisations,
            "totals": {
                "statements": positions.counts[0],
                "resolutions": positions.counts[1],
                "organisations": Organisation.objects.count(),
            },
            "title": None,
        },
    )


def topic_index(request):
    return render(
        request,
        "topics/index.html",
        {"tree": counted_tree(everything()), "title": "Topics", "crumbs": [("Topics", None)]},
    )
