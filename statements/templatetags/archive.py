"""Template filters and tags of the public pages: dates at their precision, capped counts."""

import datetime

from django import template
from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ..codes import DatePrecision
from ..positions.params import count_cap

register = template.Library()

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


@register.filter
def partial_date(statement):
    """A statement's date as precise as it is known: "2009", "May 2009", "12 May 2009";
    "Undated" when there is none."""
    date, precision = statement.date, statement.date_precision
    if date is None:
        return "Undated"
    if precision == DatePrecision.YEAR:
        return f"{date.year}"
    if precision == DatePrecision.MONTH:
        return f"{MONTHS[date.month - 1]} {date.year}"
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


@register.filter
def day_month_year(date):
    if not isinstance(date, datetime.date):
        return ""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


@register.filter
def capped(count, cap=None):
    """A count as readers see it: "1,234", or "10,000+" at and above the cap (counts above
    it are not exact)."""
    cap = count_cap() if cap in (None, "") else int(cap)
    if count is None:
        return ""
    if count > cap:
        return f"{number_format(cap, force_grouping=True)}+"
    return number_format(count, force_grouping=True)


WEB_SCHEMES = ("http", "https")


@register.filter
def web_url(value):
    """The value when it is a web address (http or https), else "": a stored link is only
    ever a link to the web, never `javascript:` or `data:` (the format accepts any text)."""
    value = (value or "").strip()
    scheme, colon, _rest = value.partition(":")
    return value if colon and scheme.lower() in WEB_SCHEMES else ""


@register.filter
def plural(count, forms):
    """{{ n|plural:"statement,statements" }}"""
    one, many = forms.split(",")
    return one if count == 1 else many


FACET_VALUE = (
    '<li class="depth-{depth}">\n'
    '      <a href="{url}" class="facet-value{selected_class}"{current} rel="nofollow">\n'
    '        <span class="facet-check" aria-hidden="true">{check}</span>\n'
    '        <span class="facet-label">{label}{selected_note}</span>\n'
    '        <span class="facet-count">{count}</span>\n'
    "      </a>\n"
    "    </li>"
)
SELECTED_NOTE = '<span class="visually-hidden"> (selected: remove this filter)</span>'


@register.simple_tag
def facet_values(values, cap=None):
    """A facet's values as list items. Written here rather than as a template: a page lists
    hundreds of them, and the template engine's per-variable cost made them half its
    rendering time."""
    return mark_safe(
        "".join(
            FACET_VALUE.format(
                depth=int(value.depth),
                url=conditional_escape(value.url),
                selected_class=" selected" if value.selected else "",
                current=' aria-current="true"' if value.selected else "",
                check="✓" if value.selected else "",
                label=conditional_escape(value.label),
                selected_note=SELECTED_NOTE if value.selected else "",
                count=conditional_escape(capped(value.count, cap)),
            )
            for value in values
        )
    )
