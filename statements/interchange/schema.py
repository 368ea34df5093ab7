"""The interchange format, version 1, as one table: each type's fields in their canonical order,
with what each field holds, whether it is required and its default.

Both the validator (what a line may hold) and the exporter (which fields it writes, in which
order, and which it leaves out as default) read this table, so they cannot drift apart.
See docs/interchange.md."""

from dataclasses import dataclass

from statements.codes import (
    NAME_MAX_LENGTH,
    OrganisationKind,
    Relation,
    ResolutionKind,
    StatementKind,
    Status,
)

# Field kinds.
STRING = "string"  # free text on one line (names, titles, URLs), stored as given
TEXT = (
    "text"  # free text normalised with codes.normalise_text (text, excerpt, summary, description)
)
KEY = "key"  # the object's own key
REF = "ref"  # the key of an object of type `target`
YEAR = "year"  # an integer 1800-2100
CHOICE = "choice"  # one of `choices`
DATE = "date"  # a full date, YYYY-MM-DD
PARTIAL_DATE = "partial_date"  # YYYY, YYYY-MM or YYYY-MM-DD, the precision kept
COUNTRY = "country"  # ISO 3166-1 alpha-2, upper case
LANGUAGE = "language"  # ISO 639-1
STRINGS = "strings"  # a list of non-empty strings, order kept (aliases)
REFS = "refs"  # a list of keys of objects of type `target`, a set (exported sorted)

LIST_KINDS = {STRINGS, REFS}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str
    required: bool = False
    target: str | None = None  # the type a REF/REFS field points to
    choices: tuple[str, ...] | None = None
    default: object = None  # the value an absent field takes; never exported
    max_length: int | None = None  # of a STRING, or of each item of STRINGS

    @property
    def empty(self):
        """The value that stands for "absent" once the line is read."""
        if self.kind in LIST_KINDS:
            return []
        if self.default is not None:
            return self.default
        if self.kind in (STRING, TEXT, COUNTRY):
            return ""
        return None


def _choices(text_choices):
    return tuple(text_choices.values)


TYPES: dict[str, tuple[Field, ...]] = {
    "organisation": (
        Field("key", KEY, required=True),
        Field("name", STRING, required=True, max_length=NAME_MAX_LENGTH),
        Field("short_name", STRING, max_length=NAME_MAX_LENGTH),
        Field("native_name", STRING, max_length=NAME_MAX_LENGTH),
        Field("description", TEXT),
        Field("website", STRING),
        Field("country", COUNTRY),
        Field(
            "kind", CHOICE, choices=_choices(OrganisationKind), default=OrganisationKind.OTHER.value
        ),
        Field("parent", REF, target="organisation"),
    ),
    "affiliation": (
        Field("organisation", REF, required=True, target="organisation"),
        Field("relation", CHOICE, required=True, choices=_choices(Relation)),
        Field("target", REF, required=True, target="organisation"),
        Field("since", YEAR),
        Field("until", YEAR),
        Field("note", STRING),
    ),
    "topic": (
        Field("key", KEY, required=True),
        Field("name", STRING, required=True, max_length=NAME_MAX_LENGTH),
        Field("description", TEXT),
        Field("parent", REF, target="topic"),
        Field("aliases", STRINGS, max_length=NAME_MAX_LENGTH),
        Field("related", REFS, target="topic"),
    ),
    "congress": (
        Field("key", KEY, required=True),
        Field("organisation", REF, required=True, target="organisation"),
        Field("name", STRING, required=True),
        Field("year", YEAR, required=True),
        Field("place", STRING),
        Field("start_date", DATE),
        Field("end_date", DATE),
    ),
    "resolution": (
        Field("key", KEY, required=True),
        Field("congress", REF, required=True, target="congress"),
        Field("title", STRING, required=True),
        Field("text", TEXT, required=True),
        Field("kind", CHOICE, choices=_choices(ResolutionKind), default=ResolutionKind.OTHER.value),
        Field("section", STRING),
        Field("language", LANGUAGE, default="en"),
        Field("topics", REFS, target="topic"),
        Field("source_url", STRING),
    ),
    "statement": (
        Field("key", KEY, required=True),
        Field("organisation", REF, required=True, target="organisation"),
        Field("title", STRING, required=True),
        Field("text", TEXT, required=True),
        Field("kind", CHOICE, choices=_choices(StatementKind), default=StatementKind.OTHER.value),
        Field("addressed_to", REF, target="organisation"),
        Field("occasion", STRING),
        Field("date", PARTIAL_DATE),
        Field("language", LANGUAGE, default="en"),
        Field("summary", TEXT),
        Field("source_url", STRING),
        Field("topics", REFS, target="topic"),
        Field("mentions", REFS, target="organisation"),
        Field("status", CHOICE, choices=_choices(Status), default=Status.PUBLISHED.value),
    ),
    "quotation": (
        Field("statement", REF, required=True, target="statement"),
        Field("resolution", REF, required=True, target="resolution"),
        Field("excerpt", TEXT, required=True),
    ),
}

# The order of types in an exported file, and the order the importer writes them in.
TYPE_ORDER = tuple(TYPES)

FIELDS: dict[str, dict[str, Field]] = {
    type_: {field.name: field for field in fields} for type_, fields in TYPES.items()
}

# How objects of each type are matched against the archive: by key, or by these fields.
MATCH_FIELDS = {
    "affiliation": ("organisation", "relation", "target"),
    "quotation": ("statement", "resolution", "excerpt"),
}


def match_fields(type_):
    return MATCH_FIELDS.get(type_, ("key",))


def is_exported(field, value):
    """Null, empty and default values are left out of an exported line."""
    if value is None or value == "" or value == []:
        return False
    return field.default is None or value != field.default
