"""A text's citations: /statements/<key>/cite/ and /resolutions/<key>/cite/ (a page with every
format, ?paragraph=N for one paragraph), and their downloads cite.bib and cite.json."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import condition

from ..citations import BIBTEX_TYPE, CSL_JSON_TYPE, Citation, NoSuchParagraph
from ..conditional import archive_version
from ..models import Resolution, Statement
from ..positions.params import FilterError
from .positions import bad_request

TEXTS = {
    "statement": lambda: Statement.objects.published().select_related(
        "organisation", "addressed_to"
    ),
    "resolution": lambda: Resolution.objects.select_related("congress__organisation"),
}


def citation_or_error(request, kind, key):
    """(citation, None), or (None, a 400 naming the parameter) for a paragraph not in the text."""
    text = get_object_or_404(TEXTS[kind]().without_vectors(), key=key)
    url = request.build_absolute_uri(text.get_absolute_url())
    given = request.GET.get("paragraph", "")
    paragraph = None
    if given:
        if not given.isdigit():
            error = "A paragraph is a whole number from 1."
            return None, bad_request(request, [FilterError(f"paragraph={given}", error)])
        paragraph = int(given)
    try:
        return Citation(text, url, timezone.localdate(), paragraph), None
    except NoSuchParagraph as error:
        return None, bad_request(request, [FilterError(f"paragraph={given}", str(error))])


def cite(request, kind, key):
    citation, error = citation_or_error(request, kind, key)
    if error:
        return error
    text = citation.text
    query = f"?paragraph={citation.paragraph}" if citation.paragraph else ""
    return render(
        request,
        "citations/cite.html",
        {
            "citation": citation,
            "text": text,
            "kind": kind,
            "paragraphs": text.paragraphs,
            "quoted": text.paragraphs[citation.paragraph - 1] if citation.paragraph else "",
            "bib_url": f"{text.get_absolute_url()}cite.bib{query}",
            "json_url": f"{text.get_absolute_url()}cite.json{query}",
            "title": f"Cite “{text.title}”",
            "crumbs": [(text.title, text.get_absolute_url()), ("Cite", None)],
        },
    )


def _etag(request, *args, **kwargs):
    # The archive's version and the day: a file names the date it was accessed.
    return f"{archive_version(request)[0]}-{timezone.localdate().isoformat()}"


def download(render_format, media_type, suffix):
    @condition(etag_func=_etag)
    def view(request, kind, key):
        citation, error = citation_or_error(request, kind, key)
        if error:
            return error
        response = HttpResponse(render_format(citation), content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{citation.key}.{suffix}"'
        response["Cache-Control"] = "public, no-cache"
        return response

    return view


cite_bib = download(Citation.bibtex, BIBTEX_TYPE, "bib")
cite_json = download(Citation.csl_json, CSL_JSON_TYPE, "json")
