"""/api/docs/: the API's documentation, a page of the site's own (semantic HTML, no script)
written from the OpenAPI schema that /api/schema/ serves, so that it cannot drift from it.

The schema only changes with the code, so each process reads it once (`documentation`); only
the example URLs, which name real keys of the archive, are looked up on each request."""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from urllib.parse import quote, urlencode

from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation

from ..models import PositionFact, Topic
from ..positions.listing import fact_order
from ..positions.params import count_cap, per_page
from .errors import bad_parameter
from .pagination import MAX_PAGE_SIZE

COMPONENT = "#/components/schemas/"
# drf-spectacular writes an enum's labels into descriptions as "* `value` - label" lines.
CHOICE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")
# An enum longer than this is folded away (<details>): the countries and languages.
FOLDED_VALUES = 12


class FormatParameter(DefaultContentNegotiation):
    """The schema as `?format=json` or `?format=yaml` (the default). Only here: the API's own
    views leave `format` alone (URL_FORMAT_OVERRIDE is off)."""

    settings = type("Settings", (), {"URL_FORMAT_OVERRIDE": "format"})

    def filter_renderers(self, renderers, format):
        chosen = [r for r in renderers if r.format == format]
        if not chosen:
            formats = " or ".join(sorted({r.format for r in renderers}))
            raise bad_parameter("format", format, f"The schema comes as {formats}.")
        return chosen


schema_view = SpectacularAPIView.as_view(content_negotiation_class=FormatParameter)


def served_schema():
    """The document /api/schema/ serves (its JSON form), from the same generator and settings."""
    view = schema_view.cls
    generator = view.generator_class(urlconf=view.urlconf, api_version=None, patterns=None)
    schema = generator.get_schema(request=None, public=view.serve_public)
    return json.loads(OpenApiJsonRenderer().render(schema))


# --- What the page shows, read from the schema -------------------------------------------------


@dataclass
class Value:
    value: str
    label: str

    @property
    def shown(self):
        return self.value or '""'


@dataclass
class Row:
    """A parameter or a field: its name, type (with its values, if an enum) and description."""

    name: str
    type: str
    values: list
    required: bool
    description: str
    where: str = ""

    @property
    def folded(self):
        return len(self.values) > FOLDED_VALUES


@dataclass
class Answer:
    status: str
    description: str
    media_types: list
    body: str  # the body's type ("" for none)
    fields: list  # an inline object's fields; a named type's are under Types


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    description: str
    parameters: list
    answers: list
    summary: str = ""

    @property
    def parameter_names(self):
        return {p.name for p in self.parameters}


@dataclass
class Type:
    name: str
    anchor: str
    description: str
    kind: str  # object, enum or other
    type: str = ""
    fields: list = field(default_factory=list)
    values: list = field(default_factory=list)

    @property
    def folded(self):
        return len(self.values) > FOLDED_VALUES


@dataclass
class Documentation:
    title: str
    version: str
    description: str
    operations: list
    types: list


@cache
def documentation():
    """The page's content, from the served schema: read once per process."""
    return read_schema(served_schema())


def read_schema(schema):
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            operations.append(read_operation(path, method, operation))
    types = [
        read_type(name, node)
        for name, node in schema.get("components", {}).get("schemas", {}).items()
    ]
    info = schema.get("info", {})
    return Documentation(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=prose(info.get("description", "")),
        operations=operations,
        types=types,
    )


def read_operation(path, method, operation):
    parameters = [
        Row(
            name=p["name"],
            where=p["in"],
            type=type_of(p.get("schema", {}), repeated=p["in"] == "query"),
            values=values_of(p.get("schema", {}), p.get("description", "")),
            required=bool(p.get("required")) or p["in"] == "path",
            description=prose(p.get("description", "")),
        )
        for p in operation.get("parameters", [])
    ]
    answers = []
    for status, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        body = next((c["schema"] for c in content.values() if "schema" in c), None)
        answers.append(
            Answer(
                status=status,
                description=prose(answer.get("description") or reason(status)),
                media_types=list(content),
                body=type_of(body) if body is not None else "",
                fields=list(fields_of(body)) if body is not None and "$ref" not in body else [],
            )
        )
    return Operation(
        method=method.upper(),
        path=path,
        anchor=f"op-{operation.get('operationId') or method + path}",
        summary=operation.get("summary", ""),
        description=prose(operation.get("description", "")),
        parameters=parameters,
        answers=answers,
    )


def read_type(name, node):
    described = Type(
        name=name, anchor=type_anchor(name), description=prose(describe(node)), kind="other"
    )
    if "enum" in node:
        described.kind = "enum"
        described.values = values_of(node, node.get("description", ""))
        described.type = type_of({k: v for k, v in node.items() if k != "enum"})
    elif "properties" in node:
        described.kind = "object"
        described.fields = list(fields_of(node))
    else:
        described.type = type_of(node)
    return described


def fields_of(node, prefix=""):
    """An object's fields as rows, an inline object's own fields under its name (a.b, a[].b)."""
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        yield Row(
            name=prefix + name,
            type=type_of(prop),
            values=values_of(prop, prop.get("description", "")),
            required=name in required,
            description=prose(describe(prop)),
        )
        if "properties" in prop:
            yield from fields_of(prop, f"{prefix}{name}.")
        elif "properties" in prop.get("items", {}):
            yield from fields_of(prop["items"], f"{prefix}{name}[].")


def type_anchor(name):
    return f"type-{name}"


def type_of(node, repeated=False):
    """A schema node's type in words, a named type as a link to it under Types."""
    if "$ref" in node:
        name = node["$ref"].removeprefix(COMPONENT)
        text = format_html('<a href="#{}">{}</a>', type_anchor(name), name)
    elif alternatives := node.get("oneOf") or node.get("anyOf"):
        text = mark_safe(" or ".join(type_of(n) for n in alternatives))
    elif "allOf" in node:
        text = mark_safe(" and ".join(type_of(n) for n in node["allOf"]))
    elif node.get("type") == "array":
        items = type_of(node.get("items", {}))
        text = (
            format_html("{}, repeatable", items) if repeated else format_html("array of {}", items)
        )
    elif node.get("type") == "object" and "properties" not in node:
        text = mark_safe("object")
    elif "type" in node:
        text = format_html("{}{}", node["type"], f" ({node['format']})" if "format" in node else "")
    else:
        text = mark_safe("any")
    limits = limits_of(node)
    if limits:
        text = format_html("{}, {}", text, limits)
    if node.get("nullable"):
        text = format_html("{} or null", text)
    return text


def limits_of(node):
    if "minimum" in node and "maximum" in node:
        return f"{node['minimum']} to {node['maximum']}"
    if "minimum" in node:
        return f"at least {node['minimum']}"
    if "maximum" in node:
        return f"at most {node['maximum']}"
    if "maxLength" in node:
        return f"at most {node['maxLength']} characters"
    return ""


def values_of(node, description):
    """An enum's values (a parameter's: its items'), each with its label when the schema has one."""
    enum = node.get("enum") or node.get("items", {}).get("enum") or []
    labels = {}
    for line in description.splitlines():
        if match := CHOICE.match(line.strip()):
            labels[match["value"]] = match["label"]
    return [Value(str(v), labels.get(str(v), "")) for v in enum]


def describe(node):
    """A node's title and description, as the schema gives them."""
    return "\n\n".join(
        part for part in (node.get("title", ""), node.get("description", "")) if part
    )


def reason(status):
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


def prose(text):
    """A description's few Markdown forms as HTML, escaped: paragraphs, `code`, "* " lists.
    The enums' label lines are left out (the values show their labels)."""
    parts = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        lines = [line for line in lines if not CHOICE.match(line)]
        if not lines:
            continue
        if all(line.startswith("* ") for line in lines):
            items = format_html_join("", "<li>{}</li>", ((code_spans(line[2:]),) for line in lines))
            parts.append(format_html("<ul>{}</ul>", items))
        else:
            parts.append(format_html("<p>{}</p>", code_spans(" ".join(lines))))
    return mark_safe("".join(parts))


def code_spans(text):
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: plain text
        return format_html("{}", text)
    return format_html_join(
        "",
        "{}",
        ((format_html("<code>{}</code>", p) if i % 2 else p,) for i, p in enumerate(pieces)),
    )


# --- Example URLs, with real keys --------------------------------------------------------------


def example_topic():
    """(key, name) of a topic that public positions are on: the most specific of the newest
    position's; or None."""
    ids = (
        PositionFact.objects.exclude(topics=[])
        .order_by(*fact_order("newest"))
        .values_list("topics", flat=True)
        .first()
    )
    if not ids:
        return None
    deeper = Topic.objects.filter(parent=OuterRef("pk"), pk__in=ids)
    topics = Topic.objects.filter(pk__in=ids).exclude(Exists(deeper))
    return topics.order_by("key").values_list("key", "name").first()


def example_key(path):
    """The first key that the view behind a `{key}` path answers (its own queryset says
    what is public), or None."""
    try:
        view = resolve(path).func.cls
    except (Resolver404, AttributeError):
        return None
    lookup = getattr(view, "lookup_field", "key")
    objects = view.queryset.prefetch_related(None)
    return objects.order_by(lookup).values_list(lookup, flat=True).first()


def example_url(operation, topic):
    """A URL that the operation answers as it is (None if it needs what we cannot fill in):
    a search for a real topic's name, a list narrowed to that topic, an object by a real key."""
    if operation.method != "GET":
        return None
    required = [(p.where, p.name) for p in operation.parameters if p.required]
    if not required:
        if topic and "q" in operation.parameter_names:
            return f"{operation.path}?{urlencode({'q': topic[1]})}"
        if topic and "topic" in operation.parameter_names:
            return f"{operation.path}?{urlencode({'topic': topic[0]})}"
        return operation.path
    if required == [("path", "key")] and (key := example_key(operation.path)):
        return operation.path.replace("{key}", quote(key))
    return None


def api_docs(request):
    docs = documentation()
    topic = example_topic()
    return render(
        request,
        "api/docs.html",
        {
            "title": "API documentation",
            "crumbs": [("API documentation", None)],
            "docs": docs,
            "operations": [(op, example_url(op, topic)) for op in docs.operations],
            "schema_url": reverse("api:schema"),
            "per_page": per_page(),
            "max_page_size": MAX_PAGE_SIZE,
            "count_cap": count_cap(),
        },
    )
