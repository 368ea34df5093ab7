"""How the API pages through lists of positions: page numbers for the first pages (the same
pages as the site's, through the first count_cap() positions), and a cursor for walking every
position in a date order, however deep (a keyset: positions.listing.facts_after).

A cursor is signed, so a forged or cut one is a 400 that says so, not a query on made-up
values. It holds the sort and the last row given; it carries no filters, so it stays short and
the query string says the selection, as on the pages."""

import datetime

from django.core import signing

from ..positions.params import DATE_SORTS, count_cap, per_page
from .errors import bad_parameter

MAX_PAGE_SIZE = 100
CURSOR_SIGNER = signing.Signer(salt="statements.api.cursor")


def page_size(data):
    given = data.get("page_size", "")
    if given == "":
        return per_page()
    try:
        size = int(given)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_parameter(
            "page_size", given, f"A page holds 1 to {MAX_PAGE_SIZE} items (whole numbers)."
        )
    return size


def page_number(data, size):
    given = data.get("page", "")
    if given == "":
        return 1
    try:
        number = int(given)
    except ValueError:
        number = 0
    if number < 1:
        raise bad_parameter("page", given, "A page is a whole number from 1.")
    if (number - 1) * size >= count_cap():
        raise bad_parameter(
            "page",
            given,
            f"Page numbers reach the first {count_cap():,} positions; beyond them, follow "
            "the `next` links (a cursor), which walk every position.",
        )
    return number


def encode_cursor(sort, row):
    kind, item_id, date = row
    # No timestamp in it: the same page gives the same bytes (and its ETag holds).
    return CURSOR_SIGNER.sign_object([sort, date.isoformat() if date else None, kind, item_id])


def decode_cursor(given, sort):
    """(date, type, id) of the row a cursor follows, for this sort; a 400 for any other."""
    try:
        cursor_sort, date, kind, item_id = CURSOR_SIGNER.unsign_object(given)
        date = datetime.date.fromisoformat(date) if date else None
        if not isinstance(item_id, int) or kind not in ("statement", "resolution"):
            raise ValueError
    except (signing.BadSignature, ValueError, TypeError):
        raise bad_parameter(
            "cursor", given, "This is not a cursor the API gave (it may have been cut short)."
        ) from None
    if sort not in DATE_SORTS:
        raise bad_parameter(
            "cursor", given, "A cursor walks a date order: use sort=newest or sort=oldest."
        )
    if cursor_sort != sort:
        raise bad_parameter(
            "cursor", given, f"This cursor walks sort={cursor_sort}, not sort={sort}."
        )
    return date, kind, item_id
