"""The texts: a statement, a congress, a resolution."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from .. import codes
from ..citations import Citation
from ..codes import Status
from ..models import Congress, Quotation, Resolution, Statement


@dataclass
class Segment:
    text: str
    quotation: object = None
    ends: bool = False  # the quoted passage ends in this segment: link its source here


@dataclass
class Paragraph:
    number: int
    segments: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"p{self.number}"


def paragraphs_with_quotations(text, quotations):
    """The text paragraph by paragraph, each cut into plain and quoted segments, so that a
    quoted passage (which may span paragraphs) can be marked and linked to its source."""
    spans = []
    for quotation in quotations:
        start = text.find(quotation.excerpt) if quotation.excerpt else -1
        if start >= 0:
            spans.append((start, start + len(quotation.excerpt), quotation))
    spans.sort(key=lambda s: s[0])
    result, offset = [], 0
    for body in text.split("\n\n"):
        start, end = offset, offset + len(body)
        offset = end + 2
        if not body:
            continue
        cuts = []
        position = start
        for s_start, s_end, quotation in spans:
            if s_end <= position or s_start >= end:
                continue
            q_start, q_end = max(s_start, position), min(s_end, end)
            if q_start > position:
                cuts.append(Segment(text[position:q_start]))
            cuts.append(Segment(text[q_start:q_end], quotation, ends=s_end <= end))
            position = q_end
        if position < end:
            cuts.append(Segment(text[position:end]))
        result.append(Paragraph(len(result) + 1, cuts))
    return result


def statement_page(request, statements, key, template="statements/detail.html"):
    """A statement's page, from `statements` (the published ones, or any for a preview)."""
    statement = get_object_or_404(
        statements.select_related("organisation", "addressed_to").prefetch_related(
            "topics",
            "mentions",
            Prefetch(
                "quotations",
                queryset=Quotation.objects.select_related("resolution__congress__organisation"),
            ),
        ),
        key=key,
    )
    quotations = list(statement.quotations.all())
    # The permalink it has, or will have once published.
    url = request.build_absolute_uri(statement.get_absolute_url())
    return render(
        request,
        template,
        {
            "statement": statement,
            "paragraphs": paragraphs_with_quotations(statement.text, quotations),
            "quotations": quotations,
            "language_name": codes.language_names().get(statement.language, statement.language),
            "citation": Citation(statement, url, timezone.localdate()),
            "cite_url": reverse("statement-cite", args=[statement.key]),
            "cite_bib": reverse("statement-cite-bib", args=[statement.key]),
            "cite_json": reverse("statement-cite-json", args=[statement.key]),
            "title": statement.title,
            "crumbs": [
                ("Organisations", reverse("organisation-index")),
                (statement.organisation.label, statement.organisation.get_absolute_url()),
                (statement.title, None),
            ],
        },
    )


def statement_detail(request, key):
    return statement_page(request, Statement.objects.published(), key)


def statement_preview(request, key):
    """A draft as its public page will show it, for staff who may view statements; anyone
    else gets the 404 a missing page gets (not a login page that says the draft exists).
    A published statement's preview is its public page."""
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("statements.view_statement")):
        raise Http404
    published = Statement.objects.published().filter(key=key).first()
    if published is not None:
        return redirect(published)
    response = statement_page(
        request, Statement.objects.exclude(status=Status.PUBLISHED), key, "statements/preview.html"
    )
    # Never kept by a shared cache or the page cache (pagecache.storable reads this too).
    response["Cache-Control"] = "private, no-store"
    return response


def published_quotations():
    return Quotation.objects.filter(statement__status=Status.PUBLISHED)


def congress_detail(request, key):
    congress = get_object_or_404(Congress.objects.select_related("organisation"), key=key)
    resolutions = (
        congress.resolutions.annotate(
            quoted=Count("quotations", filter=Q(quotations__statement__status=Status.PUBLISHED))
        )
        .prefetch_related("topics")
        .order_by("section", "title")
    )
    return render(
        request,
        "congresses/detail.html",
        {
            "congress": congress,
            "resolutions": resolutions,
            "title": congress.name,
            "crumbs": [
                ("Organisations", reverse("organisation-index")),
                (congress.organisation.label, congress.organisation.get_absolute_url()),
                (congress.name, None),
            ],
        },
    )


def resolution_detail(request, key):
    resolution = get_object_or_404(
        Resolution.objects.select_related("congress__organisation").prefetch_related("topics"),
        key=key,
    )
    quotations = list(
        published_quotations()
        .filter(resolution=resolution)
        .select_related("statement__organisation", "statement__addressed_to")
        .order_by("statement__date", "statement__title", "pk")
    )
    quoted_in = {}
    for quotation in quotations:
        quoted_in.setdefault(quotation.statement, []).append(quotation)
    congress = resolution.congress
    url = request.build_absolute_uri(resolution.get_absolute_url())
    return render(
        request,
        "resolutions/detail.html",
        {
            "resolution": resolution,
            "congress": congress,
            # The passages that published statements quote, marked where they occur here.
            "paragraphs": paragraphs_with_quotations(resolution.text, quotations),
            "quoted_in": list(quoted_in.items()),
            "language_name": codes.language_names().get(resolution.language, resolution.language),
            "citation": Citation(resolution, url, timezone.localdate()),
            "cite_url": reverse("resolution-cite", args=[resolution.key]),
            "cite_bib": reverse("resolution-cite-bib", args=[resolution.key]),
            "cite_json": reverse("resolution-cite-json", args=[resolution.key]),
            "title": resolution.title,
            "crumbs": [
                ("Organisations", reverse("organisation-index")),
                (congress.organisation.label, congress.organisation.get_absolute_url()),
                (congress.name, congress.get_absolute_url()),
                (resolution.title, None),
            ],
        },
    )
