"""Choosing the statements and resolutions of a partial export with the positions view's own
FilterSet (statements/positions/filterset.py), so that a filter means the same on /positions/ and in
`export_archive`: values of one filter are ORed, different filters ANDed; a parent topic takes
in its sub-topics; a resolution belongs to its congress's organisation and year; the statement
kind keeps statements only; undated statements match no year filter."""

from django.http import QueryDict

from statements.models import Resolution, Statement
from statements.positions.filterset import PositionFilterSet
from statements.positions.params import FILTERS, InvalidFilters

__all__ = ["FILTERS", "InvalidSelection", "select_positions"]


class InvalidSelection(Exception):
    pass


def select_positions(filters, *, published_only=False):
    """(statements, resolutions) chosen by `filters`: name -> list of values.

    The positions view shows published statements only; an export includes drafts unless
    `published_only`, so the FilterSet is given every statement as its base."""
    data = QueryDict(mutable=True)
    for name, values in filters.items():
        data.setlist(name, [str(v) for v in values])
    positions = PositionFilterSet(data)
    if not published_only:
        positions.base_statements = Statement.objects.all()
    positions.base_resolutions = Resolution.objects.all()
    try:
        return positions.filtered()
    except InvalidFilters as error:
        problems = "; ".join(
            f"--{e.parameter.replace('_', '-')}: {e.message}" for e in error.errors
        )
        raise InvalidSelection(f"invalid filter: {problems}") from None
