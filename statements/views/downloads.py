"""Downloads of every list: /downloads/positions.csv and .jsonl (the positions view, a topic's
or an organisation's page, a permalink: each through its own query string) and
/downloads/search.csv and .jsonl. They stream, a chunk of rows at a time, so a download of
a million positions runs in constant memory.

CSV: UTF-8 with a byte order mark (spreadsheets then read it as UTF-8), one row per
position, the columns of CSV_COLUMNS (documented in docs/open-data.md), topics joined by
"; ", and any cell that a spreadsheet would take for a formula prefixed with an apostrophe.
JSON Lines: the interchange format (docs/interchange.md), the positions with everything they
refer to, so the file imports into an empty archive as it is."""

import csv
from itertools import islice

from django.http import StreamingHttpResponse

from ..conditional import archive_conditional
from ..interchange.exporter import closure, iter_lines
from ..positions.filterset import PositionFilterSet
from ..positions.listing import hydrate, ordered_by_title, ordered_facts
from ..positions.params import DATE_SORTS, FilterError, InvalidFilters
from ..positions.results import Positions
from ..routing import reads_primary
from ..search.service import SEARCH_DEFAULT_SORT, SEARCH_SORTS, filter_data, search_matches
from .positions import bad_request

CSV_COLUMNS = [
    "type", "key", "title", "organisation", "organisation_name", "country",
    "organisation_kind", "kind", "date", "year", "language", "topics", "congress",
    "addressed_to", "summary", "text", "url",
]  # fmt: skip
CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson; charset=utf-8"
CHUNK = 500
# A spreadsheet reads a cell that begins with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(position, request):
    obj, organisation = position.object, position.organisation
    statement = position.is_statement
    return [
        position.type,
        obj.key,
        obj.title,
        organisation.key,
        organisation.name,
        organisation.country,
        organisation.kind,
        obj.kind,
        obj.date_text if statement else (obj.congress.start_date or obj.congress.year),
        position.year or "",
        obj.language,
        "; ".join(sorted(t.key for t in obj.topics.all())),
        "" if statement else obj.congress.key,
        obj.addressed_to.key if statement and obj.addressed_to else "",
        obj.summary if statement else "",
        obj.text,
        request.build_absolute_uri(obj.get_absolute_url()),
    ]


class Echo:
    """A file that hands back what is written to it: csv.writer's lines, one at a time."""

    def write(self, value):
        return value


def csv_lines(rows, request):
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        for position in hydrate(chunk):
            yield writer.writerow([safe_cell(cell) for cell in csv_row(position, request)])


def download(request, lines, name, content_type):
    # A server iterates a body it will not send (gunicorn does for HEAD): a HEAD must not
    # cost what the whole download costs.
    response = StreamingHttpResponse(
        [] if request.method == "HEAD" else lines, content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def position_rows(positions):
    """(type, id) rows of a selection in its order, read from a server-side cursor."""
    if positions.sort_order in DATE_SORTS:
        return ordered_facts(positions.facts, positions.sort_order).iterator(chunk_size=2000)
    return ordered_by_title(positions.statements, positions.resolutions).iterator(chunk_size=2000)


def selection_or_400(request):
    selection = PositionFilterSet(request.GET)
    if not selection.is_valid():
        return None, bad_request(request, selection.error_list())
    return selection, None


@archive_conditional
def positions_csv(request):
    selection, error = selection_or_400(request)
    if error:
        return error
    rows = position_rows(Positions(selection))
    return download(request, csv_lines(rows, request), "positions.csv", CSV_TYPE)


@archive_conditional
def positions_jsonl(request):
    selection, error = selection_or_400(request)
    if error:
        return error
    statements, resolutions = selection.filtered()

    def lines():
        yield from iter_lines(closure(statements, resolutions, published_only=True))

    return download(request, lines(), "positions.jsonl", JSONL_TYPE)


def search_or_400(request):
    sort = request.GET.get("sort", SEARCH_DEFAULT_SORT)
    if sort not in SEARCH_SORTS:
        message = f"Sort by one of: {', '.join(SEARCH_SORTS)}."
        return None, bad_request(request, [FilterError(f"sort={sort}", message)])
    try:
        PositionFilterSet(filter_data(request.GET)).filtered()
    except InvalidFilters as invalid:
        return None, bad_request(request, invalid.errors)
    return sort, None


@reads_primary  # a search makes a temporary table: see statements/routing.py
@archive_conditional
def search_csv(request):
    sort, error = search_or_400(request)
    if error:
        return error

    def lines():
        with search_matches(request.GET.get("q", ""), request.GET, sort) as (_positions, rows):
            yield from csv_lines(rows, request)

    return download(request, lines(), "search.csv", CSV_TYPE)


@reads_primary
@archive_conditional
def search_jsonl(request):
    sort, error = search_or_400(request)
    if error:
        return error

    def lines():
        with search_matches(request.GET.get("q", ""), request.GET, sort) as (positions, _rows):
            if positions is not None:
                # The matches' ids, not a subquery: the search's SQL names its own tables,
                # which a subquery would alias away. As many as a search can find in its time.
                statements, resolutions = (
                    queryset.model.objects.filter(
                        pk__in=list(queryset.values_list("pk", flat=True))
                    )
                    for queryset in (positions.statements, positions.resolutions)
                )
                yield from iter_lines(closure(statements, resolutions, published_only=True))

    return download(request, lines(), "search.jsonl", JSONL_TYPE)
