"""The texts: a statement, a congress, a resolution."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
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


def statement_detail(request, key):
    statement = get_object_or_404(
        Statement.objects.published()
        .select_related("organisation", "addressed_to")
        .prefetch_related(
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
    url = request.build_absolute_uri(statement.get_absolute_url())
    return render(
        request,
        "statements/detail.html",
        {
            "statement": statement,
            "paragraphs": paragraphs_with_quotations(statement.text, quotations),
            "quotations": quotations,
            "language_name": codes.language_names().get(statement.language, statement.language),
            "citation": Citation(statement, url, timezone.localdate()),
            "cite_url": reverse("statement-cite", args=[statement.key]),
            "title": statement.title,
            "crumbs": [
                ("Organisations", reverse("organisation-index")),
                (statement.organisation.label, statement.organisation.get_absolute_url()),
                (statement.title, None),
            ],
        },
    )


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
            "title": resolution.title,
            "crumbs": [
                ("Organisations", reverse("organisation-index")),
                (congress.organisation.label, congress.organisation.get_absolute_url()),
                (congress.name, congress.get_absolute_url()),
                (resolution.title, None),
            ],
        },
    )
