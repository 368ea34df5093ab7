"""Strict reading of an interchange file: bytes to one JSON object per line.

`json.loads` alone is too lenient for the format: it accepts duplicate member names (keeping
the last), NaN and Infinity, and escaped NUL characters and unpaired surrogates ("\\ud800").
The reader refuses all of these, and names the line and, where it can, the field."""

import gzip
import json
import re
import zlib
from contextlib import contextmanager
from pathlib import Path


class LineError(Exception):
    """A line that is not one strict JSON object; `field` is None when no field is to blame."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class FileError(Exception):
    """The file cannot be read at all (missing, not gzip, truncated)."""


class BadNumber:
    """A JSON number the format does not allow (a float, NaN, Infinity), kept as written so
    that the validator can name the field that holds it."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


class DuplicateMember(Exception):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _pairs(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for name, _ in pairs:
            if name in seen:
                raise DuplicateMember(name)
            seen.add(name)
    return obj


_decoder = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=BadNumber, parse_constant=BadNumber, strict=True
)

# Characters that JSON escapes can smuggle into a string: NUL and lone surrogates.
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def _forbidden_in(value):
    """The first forbidden character in any string of `value` (names and values), or None."""
    if isinstance(value, str):
        match = _FORBIDDEN.search(value)
        return match.group() if match else None
    if isinstance(value, list):
        for item in value:
            found = _forbidden_in(item)
            if found:
                return found
    elif isinstance(value, dict):
        for name, item in value.items():
            found = _forbidden_in(name) or _forbidden_in(item)
            if found:
                return found
    return None


def _field_holding(obj, char):
    if not isinstance(obj, dict):
        return None
    for name, value in obj.items():
        if _forbidden_in(name) == char:
            return None
        if _forbidden_in(value) == char:
            return name
    return None


def describe_char(char):
    if char == "\x00":
        return "a NUL character"
    return f"an unpaired surrogate (\\u{ord(char):04x}), which is not Unicode text"


def parse_line(raw):
    """One line's bytes (with or without its newline) -> the JSON value it holds.

    Raises LineError saying what is wrong."""
    if not raw.strip():
        raise LineError("is blank: every line must hold one JSON object")
    if b"\x00" in raw:
        raise LineError(f"contains a NUL byte at column {raw.index(b'\x00') + 1}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start : error.start + 1]
        raise LineError(
            f"is not valid UTF-8 (byte 0x{bad.hex()} at column {error.start + 1}); "
            "the file must be encoded in UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        raise LineError("starts with a byte order mark (BOM); write UTF-8 without a BOM")
    try:
        value = _decoder.decode(text)
    except DuplicateMember as error:
        raise LineError("appears twice in the same object", field=error.name) from None
    except json.JSONDecodeError as error:
        raise LineError(f"is not valid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise LineError("is not valid JSON: nested too deeply") from None
    if "\\u" in text:
        char = _forbidden_in(value)
        if char:
            raise LineError(f"contains {describe_char(char)}", field=_field_holding(value, char))
    return value


# A JSON string (its closing quote missing at the end of a broken line), or a run of anything
# else: a broken line read a string at a time, so that a text quoting '"key": "x"' is not
# taken for the line's own key.
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*(?:"|$)|[^"]+')
_COLON_RE = re.compile(r"\s*:\s*")


_lenient = json.JSONDecoder(strict=False)


def _string_token(token):
    try:
        return _lenient.decode(token)
    except ValueError:  # not closed, or a bad escape
        return None


def type_and_key(raw):
    """What a rejected line still says it is, even when it is not valid JSON: (type, key),
    each None unless the object's own members give it as one string (absent, not a string,
    or given twice with different values: None)."""
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    tokens = _TOKEN_RE.findall(text)
    found = {"type": set(), "key": set()}
    depth = 0
    for position, token in enumerate(tokens):
        if not token.startswith('"'):
            depth += token.count("{") + token.count("[") - token.count("}") - token.count("]")
            continue
        if depth != 1 or position + 2 >= len(tokens):
            continue
        name = _string_token(token)
        if name in found and _COLON_RE.fullmatch(tokens[position + 1]):
            value = _string_token(tokens[position + 2])
            if value is not None:
                found[name].add(value)
    return tuple(values.pop() if len(values) == 1 else None for values in found.values())


@contextmanager
def open_lines(path):
    """Yield (lines, position): an iterator of raw lines and a function giving how many bytes
    of the file on disk have been read so far (for progress). `.gz` names are decompressed."""
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as error:
        raise FileError(f"cannot open {path}: {error.strerror}") from None
    with raw:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.endswith(".gz") else raw

        def lines():
            try:
                yield from stream
            except (gzip.BadGzipFile, EOFError, zlib.error) as error:
                raise FileError(f"{path} is not a readable gzip file: {error}") from None

        yield lines(), raw.tell
