"""Validation of an interchange file: every rule of the format, each failure naming the line,
the field and the reason.

Two passes. `check_object` looks at one line on its own (fields, JSON types, formats, codes,
dates) and returns its values normalised; `check_file` then checks what spans lines and the
archive: keys unique per type, references that resolve (in the file or the database), parent
cycles, quotations found in their statement's text. The rules on codes, keys and years are those
of statements/codes.py, which the models and the admin use too."""

import difflib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from statements import codes
from statements.models import Congress, Organisation, Quotation, Resolution, Statement, Topic

from . import schema
from .reader import BadNumber

MAX_REPORTED = 100

_FULL_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fullmatch: no newline after
_PARTIAL_DATE_RE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    field: str | None
    message: str

    def __str__(self):
        where = f"line {self.line}"
        if self.field is not None:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


@dataclass
class Problems:
    """Every problem found, the first MAX_REPORTED of them kept in full."""

    kept: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, line, field_name, message):
        self.count += 1
        if len(self.kept) < MAX_REPORTED:
            self.kept.append(Problem(line, field_name, message))

    def __bool__(self):
        return self.count > 0

    def lines(self):
        """The report, one problem a line, in line order, and how many were left out."""
        out = [str(p) for p in sorted(self.kept, key=lambda p: p.line)]
        if self.count > len(self.kept):
            out.append(f"… and {self.count - len(self.kept)} more problems not shown")
        return out


@dataclass(slots=True)
class Record:
    """One valid line: its type, its line number and its values, by the format's field names.

    Absent fields hold their default; texts are normalised; a statement's `date` holds
    (date, precision) or None; REFS lists are sets."""

    type: str
    line: int
    values: dict

    @property
    def match(self):
        return tuple(self.values[name] for name in schema.match_fields(self.type))


def describe(value):
    """A JSON value as a reader knows it: 'a boolean (true)', 'a float (1.5)'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, BadNumber):
        if value.text in ("NaN", "Infinity", "-Infinity"):
            return f"{value.text}, which JSON does not allow"
        return f"a float ({value.text})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _message(error):
    return " ".join(error.messages)


class _Invalid(Exception):
    pass


def _string(value, required, max_length=None):
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {describe(value)}")
    if required and not value.strip():
        raise _Invalid("is required and must not be empty")
    if max_length is not None and len(value) > max_length:
        raise _Invalid(_too_long(value, max_length))
    return value


def _too_long(value, max_length):
    return f"has {len(value):,} characters; a name has at most {max_length:,}"


# Keys already found well-formed: references repeat (every statement names its organisation),
# so each distinct key goes through the validator once.
_good_keys = set()


def _remember_key(key):
    if len(_good_keys) > 500_000:
        _good_keys.clear()
    _good_keys.add(key)


def _token(value, f):
    """A string that names something (a key, a code, a date): never empty."""
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {describe(value)}")
    if not value.strip():
        if f.required:
            raise _Invalid("is required and must not be empty")
        raise _Invalid("must not be an empty string: leave the field out, or give null")
    return value


def _check_value(f, value):
    """One present, non-null value of field `f` -> its stored form. Raises _Invalid."""
    kind = f.kind
    if kind == schema.STRING:
        return _string(value, f.required, f.max_length)
    if kind == schema.TEXT:
        text = codes.normalise_text(_string(value, False))
        if f.required and not text:
            raise _Invalid("is required and must not be empty")
        return text
    if kind in (schema.KEY, schema.REF):
        if value in _good_keys:
            return value
        _token(value, f)
        try:
            codes.validate_key(value)
        except ValidationError as error:
            raise _Invalid(f"{value!r} is not a valid key: {_message(error)}") from None
        _remember_key(value)
        return value
    if kind == schema.YEAR:
        if type(value) is not int:
            raise _Invalid(f"must be an integer year, not {describe(value)}")
        try:
            codes.validate_year(value)
        except ValidationError as error:
            raise _Invalid(f"{value} is out of range: {_message(error)}") from None
        return value
    if kind == schema.CHOICE:
        if not isinstance(value, str) or value not in f.choices:
            shown = repr(value) if isinstance(value, str) else describe(value)
            raise _Invalid(f"{shown} is not one of: {', '.join(f.choices)}")
        return value
    if kind == schema.DATE:
        _token(value, f)
        if not _FULL_DATE_RE.fullmatch(value):
            raise _Invalid(f"{value!r} is not a full date of the form YYYY-MM-DD")
        try:
            return codes.parse_partial_date(value)[0]
        except ValueError as error:
            raise _Invalid(str(error)) from None
    if kind == schema.PARTIAL_DATE:
        _token(value, f)
        if not _PARTIAL_DATE_RE.fullmatch(value):
            raise _Invalid(f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        try:
            return codes.parse_partial_date(value)
        except ValueError as error:
            raise _Invalid(str(error)) from None
    if kind == schema.COUNTRY:
        _string(value, False)
        try:
            codes.validate_country(value)
        except ValidationError as error:
            raise _Invalid(_message(error)) from None
        return value
    if kind == schema.LANGUAGE:
        _token(value, f)
        try:
            codes.validate_language(value)
        except ValidationError as error:
            raise _Invalid(_message(error)) from None
        return value
    if kind in (schema.STRINGS, schema.REFS):
        if not isinstance(value, list):
            raise _Invalid(f"must be a list of strings, not {describe(value)}")
        for position, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise _Invalid(f"item {position} must be a string, not {describe(item)}")
            if not item.strip():
                raise _Invalid(f"item {position} is empty")
            if f.max_length is not None and len(item) > f.max_length:
                raise _Invalid(f"item {position} {_too_long(item, f.max_length)}")
            if kind == schema.REFS and item not in _good_keys:
                try:
                    codes.validate_key(item)
                except ValidationError as error:
                    raise _Invalid(
                        f"item {position}, {item!r}, is not a valid key: {_message(error)}"
                    ) from None
                _remember_key(item)
        return set(value) if kind == schema.REFS else list(value)
    raise AssertionError(kind)  # pragma: no cover


def check_object(obj, line, problems):
    """Check one parsed line on its own; return its Record, or None if it is invalid."""
    if not isinstance(obj, dict):
        problems.add(line, None, f"must be a JSON object, not {describe(obj)}")
        return None
    type_ = obj.get("type")
    if type_ is None:
        problems.add(line, "type", "is missing: every object needs a type")
        return None
    if not isinstance(type_, str) or type_ not in schema.FIELDS:
        shown = repr(type_) if isinstance(type_, str) else describe(type_)
        problems.add(
            line, "type", f"{shown} is not a known type; expected one of {', '.join(schema.TYPES)}"
        )
        return None
    fields = schema.FIELDS[type_]
    ok = True
    if len(obj) > len(fields) or not fields.keys() >= obj.keys() - {"type"}:
        for name in obj:
            if name != "type" and name not in fields and not name.startswith("x-"):
                hint = difflib.get_close_matches(name, fields, n=1)
                advice = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.add(
                    line,
                    name,
                    f"is not a field of {type_}{advice}; fields of your own must begin with 'x-'",
                )
                ok = False
    values = {}
    for f in schema.TYPES[type_]:
        value = obj.get(f.name)
        if value is None:
            if f.required:
                problems.add(line, f.name, f"is required for {type_}")
                ok = False
            values[f.name] = f.empty
            continue
        if (
            f.kind == schema.STRING
            and type(value) is str
            and (not f.required or value.strip())
            and (f.max_length is None or len(value) <= f.max_length)
        ):
            values[f.name] = value  # the commonest case, checked inline
            continue
        try:
            values[f.name] = _check_value(f, value)
        except _Invalid as error:
            problems.add(line, f.name, str(error))
            ok = False
    if not ok:
        return None
    # Rules between the fields of one line.
    if type_ == "affiliation":
        if values["organisation"] == values["target"]:
            problems.add(line, "target", "an organisation cannot be affiliated with itself")
            ok = False
        since, until = values["since"], values["until"]
        if since is not None and until is not None and until < since:
            problems.add(line, "until", f"{until} is before since ({since})")
            ok = False
    elif type_ == "congress":
        start, end = values["start_date"], values["end_date"]
        if start is not None and end is not None and end < start:
            problems.add(line, "end_date", f"{end} is before start_date ({start})")
            ok = False
    elif type_ == "topic" and values["key"] in values["related"]:
        problems.add(line, "related", "a topic cannot be related to itself")
        ok = False
    return Record(type_, line, values) if ok else None


# Models whose keys references point to.
MODELS = {
    "organisation": Organisation,
    "topic": Topic,
    "congress": Congress,
    "resolution": Resolution,
    "statement": Statement,
}


@dataclass
class RejectedLines:
    """The file's lines rejected on their own (and reported), by what they still say they
    are: a reference to one of them is not reported again as pointing at nothing.

    `keys` maps (type, key) to the line; the type is None when the line names no known type,
    as a reference of any type may then mean it. `unreadable` maps a type (or None) to the
    lines whose key could not be read: a reference that resolves nowhere may mean one."""

    keys: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)

    def add(self, line, type_, key):
        if type_ not in MODELS:
            if type_ in schema.FIELDS:
                return  # an affiliation or a quotation: nothing refers to it
            type_ = None
        if key is None:
            self.unreadable.setdefault(type_, []).append(line)
        else:
            self.keys.setdefault((type_, key), line)

    def declare(self, type_, key):
        return (type_, key) in self.keys or (None, key) in self.keys

    def unreadable_lines(self, type_):
        return sorted(self.unreadable.get(type_, []) + self.unreadable.get(None, []))


def _lines_text(lines, shown=3):
    if len(lines) == 1:
        return f"line {lines[0]}"
    named = [str(n) for n in lines[:shown]]
    if len(lines) > shown:
        return f"lines {', '.join(named)} and {len(lines) - shown} more"
    return f"lines {', '.join(named[:-1])} and {named[-1]}"


def _existing_keys(type_, keys):
    if not keys:
        return set()
    return set(MODELS[type_].objects.filter(key__in=keys).values_list("key", flat=True))


def _parent_cycles(type_, records, problems):
    """Report each parent cycle that the file's objects, together with the archive's, make."""
    in_file = {r.values["key"]: r for r in records}
    if not any(r.values["parent"] for r in records):
        return
    parents = {
        key: parent
        for key, parent in MODELS[type_]
        .objects.filter(parent__isnull=False)
        .values_list("key", "parent__key")
    }
    for key, record in in_file.items():
        parents[key] = record.values["parent"]
    reported = set()
    for key, record in in_file.items():
        path, current = [key], record.values["parent"]
        while current is not None and current not in path:
            path.append(current)
            current = parents.get(current)
        if current is None or current != key:
            continue  # no cycle, or one that this object only leads into
        cycle = frozenset(path)
        if cycle in reported:
            continue
        reported.add(cycle)
        shown = " → ".join([*path, key])
        problems.add(record.line, "parent", f"makes a cycle of {type_} parents: {shown}")


def last_of_each(records):
    """Affiliations and quotations are matched by their fields (organisation, relation, target;
    statement, resolution, excerpt): a line that repeats an earlier one of the same file
    replaces it, as it would replace one in the archive."""
    for type_ in ("affiliation", "quotation"):
        latest = {}
        for record in records[type_]:
            latest.pop(record.match, None)
            latest[record.match] = record
        records[type_] = list(latest.values())


def check_file(records, problems, rejected=None):
    """Check what spans lines and the archive. `records` maps type -> list of Records;
    `rejected` holds the file's invalid lines (already reported): a reference to one of them
    gets no second, misleading report."""
    rejected = rejected or RejectedLines()
    file_keys = {}
    for type_ in ("organisation", "topic", "congress", "resolution", "statement"):
        seen = {}
        for record in records[type_]:
            key = record.values["key"]
            if key in seen:
                problems.add(
                    record.line,
                    "key",
                    f"{key!r} is already the key of the {type_} on line {seen[key]}",
                )
            else:
                seen[key] = record.line
        file_keys[type_] = seen
    # Affiliations and quotations repeated in the file are not problems: the format matches
    # them by their fields, so a repeat replaces the earlier line (see last_of_each).

    # References: to an object in this file, or else one already in the archive.
    wanted = {type_: set() for type_ in MODELS}
    refs = []  # (record, field, key)
    for type_, fields in schema.TYPES.items():
        ref_fields = [f for f in fields if f.kind in (schema.REF, schema.REFS)]
        if not ref_fields:
            continue
        for record in records[type_]:
            for f in ref_fields:
                value = record.values[f.name]
                if value is None:
                    continue
                for key in [value] if f.kind == schema.REF else sorted(value):
                    if key not in file_keys[f.target] and not rejected.declare(f.target, key):
                        wanted[f.target].add(key)
                        refs.append((record, f, key))
    existing = {type_: _existing_keys(type_, keys) for type_, keys in wanted.items()}
    for record, f, key in refs:
        if key in existing[f.target]:
            continue
        unreadable = rejected.unreadable_lines(f.target)
        if unreadable:
            # It may be on a line too broken to say its key: say so rather than "nowhere".
            which = "one of " if len(unreadable) > 1 else ""
            whose = "keys" if len(unreadable) > 1 else "key"
            message = (
                f"refers to {f.target} {key!r}, which is not in the archive nor on a readable "
                f"line of this file: it may be the object of {which}{_lines_text(unreadable)}, "
                f"whose {whose} could not be read"
            )
        else:
            message = (
                f"refers to {f.target} {key!r}, which is neither in this file nor in the archive"
            )
        problems.add(record.line, f.name, message)

    _parent_cycles("organisation", records["organisation"], problems)
    _parent_cycles("topic", records["topic"], problems)

    # A statement's new text must still hold the passages that the archive's quotations of it
    # quote (the file's own quotations are checked below).
    if records["statement"]:
        lines = {r.values["key"]: r for r in records["statement"]}
        quoted = Quotation.objects.filter(
            statement__in=Statement.objects.filter(key__in=list(lines))
        ).values_list("statement__key", "resolution__key", "excerpt")
        for statement, resolution, excerpt in (
            quoted.iterator() if Quotation.objects.exists() else ()
        ):
            record = lines[statement]
            if codes.normalise_text(excerpt) not in record.values["text"]:
                shown = excerpt if len(excerpt) <= 60 else excerpt[:60] + "…"
                problems.add(
                    record.line,
                    "text",
                    f"no longer contains the passage that the archive's quotation of resolution "
                    f"{resolution!r} quotes ({shown!r}); change or delete that quotation first",
                )

    # A quotation's excerpt must occur in its statement's normalised text.
    if records["quotation"]:
        texts = {r.values["key"]: r.values["text"] for r in records["statement"]}
        outside = {r.values["statement"] for r in records["quotation"]} - texts.keys()
        for key, text in Statement.objects.filter(key__in=outside).values_list("key", "text"):
            texts[key] = codes.normalise_text(text)
        for record in records["quotation"]:
            text = texts.get(record.values["statement"])
            if text is not None and record.values["excerpt"] not in text:
                problems.add(
                    record.line,
                    "excerpt",
                    "does not occur word for word in the text of statement "
                    f"{record.values['statement']!r}",
                )
