"""Controlled vocabularies of the archive: the interchange format's enumerations, and the ISO
country and language codes. The model fields, the admin forms and the importer all check against
these, so a value means the same everywhere."""

import datetime
import re
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.db import models

KEY_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
KEY_RE = re.compile(KEY_PATTERN)
KEY_MAX_LENGTH = 100
# Names (organisations', topics', aliases') are looked up through B-tree indexes of their
# normalised form, whose entries PostgreSQL caps at about 2,700 bytes: 500 characters fit
# however they are written, and no real name comes near.
NAME_MAX_LENGTH = 500
YEAR_MIN, YEAR_MAX = 1800, 2100


class OrganisationKind(models.TextChoices):
    TRADE_UNION_CONFEDERATION = "trade_union_confederation", "Trade union confederation"
    TRADE_UNION = "trade_union", "Trade union"
    NGO = "ngo", "NGO"
    EMPLOYERS_ORGANISATION = "employers_organisation", "Employers' organisation"
    GOVERNMENT = "government", "Government body"
    PARLIAMENTARY_BODY = "parliamentary_body", "Parliamentary body"
    INTERGOVERNMENTAL_ORGANISATION = (
        "intergovernmental_organisation",
        "Intergovernmental organisation",
    )
    OTHER = "other", "Other"


class Relation(models.TextChoices):
    MEMBER_OF = "member_of", "member of"
    REPRESENTED_IN = "represented_in", "represented in"
    REFERENCE_GROUP_MEMBER_OF = "reference_group_member_of", "member of the reference group of"
    PARTNER_OF = "partner_of", "partner of"
    OTHER = "other", "other relation to"


# How the other side of an affiliation reads it: ITUC's page lists LO among its members.
RELATION_INVERSE = {
    Relation.MEMBER_OF: "members",
    Relation.REPRESENTED_IN: "represented",
    Relation.REFERENCE_GROUP_MEMBER_OF: "reference group members",
    Relation.PARTNER_OF: "partners",
    Relation.OTHER: "other relations",
}


class ResolutionKind(models.TextChoices):
    ACTION_PLAN_CHAPTER = "action_plan_chapter", "Action plan chapter"
    STATEMENT = "statement", "Statement"
    RESOLUTION = "resolution", "Resolution"
    OTHER = "other", "Other"


class StatementKind(models.TextChoices):
    ANSWER = "answer", "Answer to a questionnaire or consultation"
    POSITION_PAPER = "position_paper", "Position paper"
    PRESS_RELEASE = "press_release", "Press release"
    SPEECH = "speech", "Speech"
    REPORT = "report", "Report"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    PUBLISHED = "published", "Published"
    DRAFT = "draft", "Draft"


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


@cache
def country_names():
    return {c.alpha_2: c.name for c in pycountry.countries}


@cache
def language_names():
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def country_choices():
    return sorted(country_names().items(), key=lambda item: item[1])


def language_choices():
    return sorted(language_names().items(), key=lambda item: item[1])


def validate_key(value):
    # fullmatch: `$` alone would let a key end in a newline, which the database refuses.
    if len(value) > KEY_MAX_LENGTH or not KEY_RE.fullmatch(value):
        raise ValidationError(
            "A key is lowercase letters, digits and single hyphens (not at either end), "
            "at most 100 characters.",
            code="invalid_key",
        )


def validate_country(value):
    if value and value not in country_names():
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 alpha-2 country code (upper case, e.g. NO).",
            params={"value": value},
            code="invalid_country",
        )


def validate_language(value):
    if value not in language_names():
        raise ValidationError(
            "%(value)s is not an ISO 639-1 language code (lower case, e.g. en, no).",
            params={"value": value},
            code="invalid_language",
        )


def validate_year(value):
    if value is not None and not YEAR_MIN <= value <= YEAR_MAX:
        raise ValidationError(
            "A year is between %(min)s and %(max)s.",
            params={"min": YEAR_MIN, "max": YEAR_MAX},
            code="invalid_year",
        )


PARTIAL_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_partial_date(value):
    """'2009' -> (date(2009, 1, 1), 'year'); '2009-05' -> month; '2009-05-12' -> day.

    Raises ValueError naming what is wrong, for the importer and the admin alike."""

    match = PARTIAL_DATE_RE.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    try:
        return datetime.date(int(year), int(month or 1), int(day or 1)), precision
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the calendar") from None


def format_partial_date(date, precision):
    if date is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def normalise_text(text):
    """The format's text normalisation: \\n line endings, trimmed, blank-line runs collapsed.

    Lines that hold only white space count as blank; trailing white space inside a paragraph
    is kept, since the format asks only for the three rules above."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return BLANK_LINES_RE.sub("\n\n", text)


BLANK_LINES_RE = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")


def paragraphs(text):
    return [p for p in text.split("\n\n") if p]
