"""The public URL contract of every list of positions: its parameters (written once, here),
their canonical query strings, and the errors a bad value gets.

Values are the interchange format's keys and codes. A parameter may repeat: the values of
`topic` and of every other filter are ORed, those of `also_topic` ANDed (each narrows the
selection to the items also tagged with it); different parameters are ANDed."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict

# The filter parameters in their canonical order, each with what it selects (the export
# command's help text says the same).
FILTERS = {
    "type": "statement or resolution",
    "topic": "topic key, its sub-topics included (repeated: any of them)",
    "also_topic": "topic key, its sub-topics included (repeated: all of them)",
    "organisation": "organisation key (a resolution belongs to its congress's organisation)",
    "addressed_to": "key of the organisation a statement is addressed to (keeps statements only)",
    "country": "ISO 3166-1 alpha-2 code of the author organisation",
    "organisation_kind": "kind of the author organisation",
    "kind": "statement kind (keeps statements only)",
    "language": "ISO 639-1 code",
    "year_from": "first year (statement date, or the congress year of a resolution)",
    "year_to": "last year",
}
FILTER_PARAMETERS = tuple(FILTERS)
PARAMETERS = (*FILTER_PARAMETERS, "sort", "page")

SORTS = {"newest": "Newest first", "oldest": "Oldest first", "title": "Title A to Z"}
DEFAULT_SORT = "newest"
DATE_SORTS = ("newest", "oldest")


def per_page():
    """Positions on a page, in every list and in search."""
    return getattr(settings, "POSITIONS_PER_PAGE", 20)


def count_cap():
    """Counts are shown exactly up to this number and as "10,000+" above it; a list's pages
    stop there (sort the other way, or narrow the selection, to reach the rest)."""
    return getattr(settings, "POSITIONS_COUNT_CAP", 10_000)


def page_count(count):
    """The number of pages a list of `count` items has (one at least), within the cap."""
    return max(1, -(-min(count, count_cap()) // per_page()))


@dataclass
class FilterError:
    parameter: str
    message: str


class InvalidFilters(Exception):
    """A query that names an unknown or malformed value."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{e.parameter}: {e.message}" for e in errors))


def without_blanks(data):
    """A QueryDict of the data without empty values: an empty form field selects nothing."""
    clean = QueryDict(mutable=True)
    items = data.lists() if hasattr(data, "lists") else data.items()
    for name, values in items:
        values = [values] if isinstance(values, str) else list(values)
        kept = [v for v in values if v is not None and str(v).strip()]
        if kept:
            clean.setlist(name, [str(v).strip() for v in kept])
    return clean


def canonical_params(data, default_sort=DEFAULT_SORT):
    """The selection as {parameter: sorted values}, empty values and unknown names left out,
    sort left out when it is the default and page when it is the first."""
    params = {}
    for name in PARAMETERS:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        if isinstance(values, str):
            values = [values]
        values = sorted({v.strip() for v in values if v is not None and str(v).strip()})
        if name == "sort" and values == [default_sort]:
            continue
        if name == "page" and values == ["1"]:
            continue
        if values:
            params[name] = values
    return params


def canonical_query(params, extra=None):
    """'?a=1&b=2' in the canonical order ('' when empty): extra parameters (the search's q)
    first, then the filters, sort and page."""
    pairs = [(k, v) for k, v in (extra or {}).items() if v not in (None, "")]
    for name in PARAMETERS:
        for value in params.get(name, []):
            pairs.append((name, value))
    return "?" + urlencode(pairs) if pairs else ""


def has_filters(params):
    """Whether the selection names any filter (beyond sort and page)."""
    return any(params.get(name) for name in FILTER_PARAMETERS)
