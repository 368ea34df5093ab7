"""Exporting the archive, or a part of it, as one canonical interchange file.

Canonical means: types in the format's order, each sorted by key (affiliations and quotations
by their matching fields; keys compare by code point), fields in the schema's order with
`type` first, null/empty/default values left out, `topics`/`mentions`/`related` sorted, aliases
in their given order, each related pair written once on the topic whose key sorts first. So
export → import into an empty archive → export is byte-identical."""

import json
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Collate

from statements import codes
from statements.models import (
    Affiliation,
    Alias,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
)

from . import schema

BY_KEY = Collate("key", "C")  # code point order, whatever the database's collation


def dump_line(type_, values):
    """One object as its canonical line."""
    obj = {"type": type_}
    for f in schema.TYPES[type_]:
        value = values.get(f.name)
        if schema.is_exported(f, value):
            obj[f.name] = value
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")) + "\n"


@dataclass
class Selection:
    """The ids of the objects to export, by type: a set, or a queryset of ids (a subquery, so
    that a million statements are never held in memory); None means every object of it."""

    organisation: set | None = None
    affiliation: set | None = None
    topic: set | None = None
    congress: set | None = None
    resolution: set | None = None
    statement: set | None = None
    quotation: set | None = None


def _only(queryset, ids):
    return queryset if ids is None else queryset.filter(pk__in=ids)


CHUNK = 500


def _chunks(rows):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _with_links(rows, **fields):
    """The rows (dicts with an "id") in chunks, each with the sorted keys of its many-to-many
    fields set: read a chunk at a time, so memory does not grow with the export."""
    for chunk in _chunks(rows):
        ids = [row["id"] for row in chunk]
        links = {name: _links(field, ids) for name, field in fields.items()}
        for row in chunk:
            for name in fields:
                row[name] = links[name].get(row["id"], [])
            yield row


def _links(field, owner_ids=None):
    """owner id -> sorted keys of the other side of a many-to-many field."""
    through = field.through
    owner_name, other_name = (f.name for f in through._meta.local_fields if f.is_relation)
    rows = through.objects.all()
    if owner_ids is not None:
        rows = rows.filter(**{f"{owner_name}_id__in": owner_ids})
    links = defaultdict(list)
    for owner, key in rows.values_list(f"{owner_name}_id", f"{other_name}__key").iterator(
        chunk_size=10_000
    ):
        links[owner].append(key)
    for keys in links.values():
        keys.sort()
    return links


def iter_lines(selection=None):
    """Yield the canonical lines of the selected objects (the whole archive by default)."""
    sel = selection or Selection()

    organisations = _only(Organisation.objects.all(), sel.organisation).order_by(BY_KEY)
    for row in organisations.values(
        "key", "name", "short_name", "native_name", "country", "kind", "parent__key",
        "description", "website",
    ).iterator():  # fmt: skip
        row["parent"] = row.pop("parent__key")
        yield dump_line("organisation", row)

    affiliations = []
    for row in _only(Affiliation.objects.all(), sel.affiliation).values(
        "organisation__key", "relation", "target__key", "since", "until", "note"
    ):
        row["organisation"] = row.pop("organisation__key")
        row["target"] = row.pop("target__key")
        affiliations.append(row)
    affiliations.sort(key=lambda r: (r["organisation"], r["relation"], r["target"]))
    for row in affiliations:
        yield dump_line("affiliation", row)

    topics = list(
        _only(Topic.objects.all(), sel.topic)
        .order_by(BY_KEY)
        .values("id", "key", "name", "description", "parent__key")
    )
    aliases = defaultdict(list)
    for topic_id, name in (
        _only(Alias.objects.all(), None)
        .filter(topic_id__in=[t["id"] for t in topics] if sel.topic is not None else Q())
        .order_by("topic_id", "position", "pk")
        .values_list("topic_id", "name")
    ):
        aliases[topic_id].append(name)
    related = _links(Topic.related, sel.topic)
    chosen = {t["key"] for t in topics}
    for row in topics:
        row["parent"] = row.pop("parent__key")
        row["aliases"] = aliases.get(row["id"], [])
        row["related"] = [
            key for key in related.get(row["id"], []) if key > row["key"] and key in chosen
        ]
        yield dump_line("topic", row)

    for row in (
        _only(Congress.objects.all(), sel.congress)
        .order_by(BY_KEY)
        .values("key", "organisation__key", "name", "year", "place", "start_date", "end_date")
    ):
        row["organisation"] = row.pop("organisation__key")
        for name in ("start_date", "end_date"):
            row[name] = row[name].isoformat() if row[name] else None
        yield dump_line("congress", row)

    resolutions = (
        _only(Resolution.objects.all(), sel.resolution)
        .order_by(BY_KEY)
        .values(
            "id", "key", "congress__key", "title", "text", "kind", "section", "language",
            "source_url",
        )
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip
    for row in _with_links(resolutions, topics=Resolution.topics):
        row["congress"] = row.pop("congress__key")
        yield dump_line("resolution", row)

    statements = (
        _only(Statement.objects.all(), sel.statement)
        .order_by(BY_KEY)
        .values(
            "id", "key", "organisation__key", "title", "text", "kind", "addressed_to__key",
            "occasion", "date", "date_precision", "language", "summary", "source_url", "status",
        )
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip
    for row in _with_links(statements, topics=Statement.topics, mentions=Statement.mentions):
        row["organisation"] = row.pop("organisation__key")
        row["addressed_to"] = row.pop("addressed_to__key")
        row["date"] = codes.format_partial_date(row["date"], row.pop("date_precision"))
        yield dump_line("statement", row)

    # Code point order, as the keys: PostgreSQL's "C" collation compares UTF-8 bytes.
    quotations = (
        _only(Quotation.objects.all(), sel.quotation)
        .order_by(
            Collate("statement__key", "C"), Collate("resolution__key", "C"), Collate("excerpt", "C")
        )
        .values("statement__key", "resolution__key", "excerpt")
        .iterator(chunk_size=CHUNK)
    )
    for row in quotations:
        yield dump_line(
            "quotation",
            {
                "statement": row["statement__key"],
                "resolution": row["resolution__key"],
                "excerpt": row["excerpt"],
            },
        )


def _ancestors(model, ids):
    """`ids` and every parent above them."""
    ids, frontier = set(ids), set(ids)
    while frontier:
        frontier = (
            set(
                model.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                    "parent_id", flat=True
                )
            )
            - ids
        )
        ids |= frontier
    return ids


def closure(statements, resolutions, *, published_only=False):
    """The Selection holding the chosen statements and resolutions and every object they
    refer to, directly or through others, so that the file imports into an empty archive:
    authors and addressees, mentioned organisations, congresses and their organisations, the
    statements' quotations and the resolutions they quote, topics with their parents and
    related topics, organisations' parents, and the affiliations of the chosen organisations
    with their targets."""
    # Statements, resolutions and quotations stay subqueries (they may be a million); the
    # rest is as small as the archive's organisations, topics and congresses.
    statement_ids = statements.order_by().values("pk")
    quotations = Quotation.objects.filter(statement_id__in=statement_ids)
    if published_only:
        quotations = quotations.filter(statement__status=codes.Status.PUBLISHED)
    quotation_ids = quotations.values("pk")
    resolution_ids = Resolution.objects.filter(
        Q(pk__in=resolutions.order_by().values("pk")) | Q(pk__in=quotations.values("resolution_id"))
    ).values("pk")

    def distinct(queryset, column):
        return set(queryset.order_by().values_list(column, flat=True).distinct())

    congress_ids = distinct(Resolution.objects.filter(pk__in=resolution_ids), "congress_id")
    organisation_ids = distinct(Congress.objects.filter(pk__in=congress_ids), "organisation_id")
    chosen = Statement.objects.filter(pk__in=statement_ids)
    organisation_ids |= distinct(chosen, "organisation_id")
    organisation_ids |= distinct(chosen.filter(addressed_to__isnull=False), "addressed_to_id")
    organisation_ids |= distinct(
        Statement.mentions.through.objects.filter(statement_id__in=statement_ids),
        "organisation_id",
    )
    organisation_ids = _ancestors(Organisation, organisation_ids)
    affiliations = Affiliation.objects.filter(organisation_id__in=organisation_ids)
    affiliation_ids = set(affiliations.values_list("pk", flat=True))
    organisation_ids = _ancestors(
        Organisation, organisation_ids | set(affiliations.values_list("target_id", flat=True))
    )

    topic_ids = distinct(
        Statement.topics.through.objects.filter(statement_id__in=statement_ids), "topic_id"
    ) | distinct(
        Resolution.topics.through.objects.filter(resolution_id__in=resolution_ids), "topic_id"
    )
    # Parents and related topics, until nothing new comes in.
    frontier = set(topic_ids)
    while frontier:
        grown = _ancestors(Topic, frontier) | set(
            Topic.related.through.objects.filter(from_topic_id__in=frontier).values_list(
                "to_topic_id", flat=True
            )
        )
        frontier = grown - topic_ids
        topic_ids |= frontier

    return Selection(
        organisation=organisation_ids,
        affiliation=affiliation_ids,
        topic=topic_ids,
        congress=congress_ids,
        resolution=resolution_ids,
        statement=statement_ids,
        quotation=quotation_ids,
    )


def whole_archive(*, published_only=False):
    """The Selection for a whole export: everything, or everything but drafts (and the
    quotations of drafts)."""
    if not published_only:
        return Selection()
    return Selection(
        statement=Statement.objects.filter(status=codes.Status.PUBLISHED).values("pk"),
        quotation=Quotation.objects.filter(statement__status=codes.Status.PUBLISHED).values("pk"),
    )
