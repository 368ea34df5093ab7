"""The archive's revision history, kept by django-reversion: every change to a statement,
resolution, congress, organisation or topic is a revision (who, when, what) holding a
snapshot of the object with its parts: a statement's quotations, an organisation's
affiliations, a topic's aliases, a congress's resolutions. Topics, mentions and related topics
are in the object's own snapshot (many-to-many), and paragraphs are the text's.

Here: what is registered and followed; the differences between two versions, field by field
(texts paragraph by paragraph and word by word, escaped, with <del> and <ins>); the change
message built from those differences; restoring a version (a new revision itself); and the
revisions that bulk writes record themselves (admin actions, imports), since bulk updates
and COPY send no signals."""

import difflib
import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from reversion.errors import RevertError
from reversion.models import Revision, Version
from reversion.signals import pre_revision_commit

from . import codes
from .models import (
    Affiliation,
    Alias,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
    vector_fields,
)


@dataclass(frozen=True)
class Part:
    """Objects kept in their owner's snapshot: `model` rows whose `fk` points at the owner."""

    model: type
    fk: str
    accessor: str
    # Restoring the owner deletes the parts added since (a quotation, an alias); a congress's
    # resolutions are texts of their own and stay.
    removes_added: bool = True


PARTS = {
    Statement: Part(Quotation, "statement", "quotations"),
    Organisation: Part(Affiliation, "organisation", "affiliations"),
    Topic: Part(Alias, "topic", "aliases"),
    Congress: Part(Resolution, "congress", "resolutions", removes_added=False),
}
# A part's change is its owner's: recorded in the owner's revision, shown in its history.
OWNER = {Quotation: "statement", Affiliation: "organisation", Alias: "topic"}
MAIN = (Statement, Resolution, Congress, Organisation, Topic)
# Record-keeping columns: snapshot (restoring keeps them), never shown as a change.
UNSHOWN = {"created", "updated"}


def snapshot_fields(model):
    """Every column an editor or an import writes; the search vectors are the triggers'."""
    derived = set(vector_fields(model))
    opts = model._meta
    return [f.name for f in [*opts.local_fields, *opts.local_many_to_many] if f.name not in derived]


FIELDS = {}
for _model in (*MAIN, Quotation, Affiliation, Alias):
    FIELDS[_model] = snapshot_fields(_model)
    follow = [PARTS[_model].accessor] if _model in PARTS else []
    follow += [OWNER[_model]] if _model in OWNER else []
    reversion.register(_model, fields=FIELDS[_model], follow=follow)


# Differences -------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """One version of an object: its fields, and its parts by id (their field values)."""

    model: type
    object_id: str
    fields: dict
    parts: dict = field(default_factory=dict)


def field_values(version):
    return version._local_field_dict


def part_versions(version, siblings=None):
    """The versions of `version`'s parts saved in its revision (or among `siblings`, the
    unsaved versions of a revision being written)."""
    part = PARTS.get(version._model)
    if part is None:
        return []
    column = part.model._meta.get_field(part.fk).attname
    if siblings is not None:
        return [
            v
            for v in siblings
            if v._model is part.model and str(field_values(v)[column]) == version.object_id
        ]
    # An import's revision holds thousands of parts: the database picks this owner's.
    owned = RawSQL(
        "(serialized_data::jsonb -> 0 -> 'fields' ->> %s) = %s",
        [part.fk, version.object_id],
        output_field=models.BooleanField(),
    )
    return list(
        Version.objects.get_for_model(part.model).filter(owned, revision_id=version.revision_id)
    )


def snapshot(version, siblings=None):
    return Snapshot(
        version._model,
        version.object_id,
        dict(field_values(version)),
        {v.object_id: dict(field_values(v)) for v in part_versions(version, siblings)},
    )


@dataclass
class Change:
    """What changed in one field: `old` → `new` (short values), `paragraphs` (a text: each
    changed paragraph's number and its escaped diff), or `added`/`removed`/`changed` names
    (topics, quotations, aliases)."""

    label: str
    old: str = ""
    new: str = ""
    paragraphs: list = field(default_factory=list)
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    @property
    def summary(self):
        """The change in a few words, for the history list."""
        if self.paragraphs:
            counts = {}
            for paragraph in self.paragraphs:
                counts.setdefault(paragraph.how, []).append(str(paragraph.number))
            said = "; ".join(
                f"paragraph{'s' if len(numbers) > 1 else ''} {', '.join(numbers)} {how}"
                for how, numbers in counts.items()
            )
            return f"{self.label}: {said}"
        if self.added or self.removed or self.changed:
            said = [
                f"{how} {', '.join(short(name) for name in names)}"
                for how, names in (
                    ("added", self.added),
                    ("removed", self.removed),
                    ("changed", self.changed),
                )
                if names
            ]
            return f"{self.label}: {'; '.join(said)}"
        return f"{self.label}: {short(self.old)} → {short(self.new)}"


def short(value, length=60):
    return Truncator(value).chars(length)


EMPTY = "(empty)"


class Names:
    """Names of the objects that versions refer to by id, looked up once a model: the name
    today, or the last name its history knows once it is deleted."""

    def __init__(self):
        self.known = {}

    def of(self, model, ids):
        ids = {int(i) for i in ids if i not in (None, "")}
        known = self.known.setdefault(model, {})
        wanted = ids - known.keys()
        if wanted:
            for obj in model._default_manager.filter(pk__in=wanted).defer(*vector_fields(model)):
                known[obj.pk] = str(obj)
            for pk in wanted - known.keys():
                last = Version.objects.get_for_object_reference(model, pk).order_by("-pk").first()
                known[pk] = f"{last.object_repr if last else f'#{pk}'} (deleted)"
        return [known[i] for i in ids]

    def one(self, model, pk):
        return self.of(model, [pk])[0] if pk not in (None, "") else EMPTY


def display(model_field, value, names):
    """A field's value as the admin shows it."""
    if model_field.is_relation:
        return names.one(model_field.related_model, value)
    if value in (None, ""):
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def part_label(model, values, names):
    """How a part is named in a difference: the resolution and the excerpt's start, an
    alias's name, an affiliation's tie, a resolution's title. `values` are by column."""
    if model is Quotation:
        resolution = names.one(Resolution, values["resolution_id"])
        return f"{resolution}: “{short(values['excerpt'], 80)}”"
    if model is Alias:
        return values["name"]
    if model is Affiliation:
        relation = dict(codes.Relation.choices).get(values["relation"], values["relation"])
        years = "\N{EN DASH}".join(str(values[y]) for y in ("since", "until") if values[y])
        target = names.one(Organisation, values["target_id"])
        return f"{relation} {target}" + (f" ({years})" if years else "")
    return values.get("title") or values.get("name") or str(values)


def differences(old, new, names=None):
    """The changes from snapshot `old` to snapshot `new` of one object, in field order."""
    names = names or Names()
    model = new.model
    changes = []
    for name in FIELDS[model]:
        if name in UNSHOWN:
            continue
        model_field = model._meta.get_field(name)
        label = capfirst(model_field.verbose_name)
        before, after = old.fields.get(model_field.attname), new.fields.get(model_field.attname)
        if model_field.many_to_many:
            before, after = set(before or []), set(after or [])
            if before != after:
                related = model_field.related_model
                changes.append(
                    Change(
                        label,
                        added=sorted(names.of(related, after - before)),
                        removed=sorted(names.of(related, before - after)),
                    )
                )
        elif before != after:
            if isinstance(model_field, models.TextField):
                changes.append(Change(label, paragraphs=text_diff(before or "", after or "")))
            else:
                changes.append(
                    Change(
                        label,
                        old=display(model_field, before, names),
                        new=display(model_field, after, names),
                    )
                )
    part = PARTS.get(model)
    if part and old.parts != new.parts:
        label = capfirst(part.model._meta.verbose_name_plural)

        def labels(parts, ids):
            return sorted(part_label(part.model, parts[i], names) for i in ids)

        both = old.parts.keys() & new.parts.keys()
        changes.append(
            Change(
                label,
                added=labels(new.parts, new.parts.keys() - old.parts.keys()),
                removed=labels(old.parts, old.parts.keys() - new.parts.keys()),
                changed=labels(new.parts, {i for i in both if old.parts[i] != new.parts[i]}),
            )
        )
    return changes


@dataclass
class Paragraph:
    number: int  # in the newer text; in the older one for a removed paragraph
    how: str  # changed, added, removed
    html: str  # escaped, with <del> and <ins>


WORDS = re.compile(r"\s+|[^\s]+")


def marked(tag, text):
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def word_diff(old, new):
    """`old` → `new` word by word, escaped, removed words in <del>, added in <ins>."""
    a, b = WORDS.findall(old), WORDS.findall(new)
    runs = []  # [same, removed, added]: a run of changed words reads as one change
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append([removed, "", ""])
        elif len(runs) > 1 and not runs[-1][0].strip() and (runs[-2][1] or runs[-2][2]):
            # Only spaces between two changes: one change.
            space = runs.pop()[0]
            runs[-1][1] += space + removed
            runs[-1][2] += space + added
        else:
            runs.append(["", removed, added])
    html = (
        escape(same) + marked("del", removed) + marked("ins", added)
        for same, removed, added in runs
    )
    return mark_safe("".join(html))  # every piece escaped above


def text_diff(old, new):
    """The changed paragraphs of a text (paragraphs are separated by a blank line)."""
    a, b = codes.paragraphs(old), codes.paragraphs(new)
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            out.append(Paragraph(j1 + k + 1, "changed", word_diff(a[i1 + k], b[j1 + k])))
        for i in range(i1 + pairs, i2):
            out.append(Paragraph(i + 1, "removed", mark_safe(marked("del", a[i]))))
        for j in range(j1 + pairs, j2):
            out.append(Paragraph(j + 1, "added", mark_safe(marked("ins", b[j]))))
    return out


# The change message ------------------------------------------------------------------------

_heading = ContextVar("history-heading", default="")


@contextmanager
def recording(user, heading=""):
    """A revision by `user` of whatever is saved inside; its comment is built from what
    actually changed (after `heading`, e.g. the bulk action's name)."""
    token = _heading.set(heading)
    try:
        with reversion.create_revision():
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            yield
    finally:
        _heading.reset(token)


def previous_version(model, object_id):
    return Version.objects.get_for_object_reference(model, object_id).order_by("-pk").first()


def is_part_of_another(version, keys):
    for owner, part in PARTS.items():
        if version._model is part.model:
            column = part.model._meta.get_field(part.fk).attname
            return (owner, str(field_values(version)[column])) in keys
    return False


def change_message(versions):
    """What a revision changed, from the differences with each object's previous version."""
    keys = {(v._model, v.object_id) for v in versions}
    described = []
    names = Names()
    for version in versions:
        if version._model not in MAIN or is_part_of_another(version, keys):
            continue
        previous = previous_version(version._model, version.object_id)
        if previous is None:
            described.append((version.object_repr, "Added."))
            continue
        changes = differences(snapshot(previous), snapshot(version, versions), names)
        said = "; ".join(c.summary for c in changes)
        described.append((version.object_repr, f"Changed {said}." if changes else "No changes."))
    if not described:
        # A part alone (a quotation whose statement is gone): say what it is.
        return "Changed " + ", ".join(v.object_repr for v in list(versions)[:5]) + "."
    texts = {text for _, text in described}
    if len(texts) == 1 and len(described) > 1:
        message = f"{texts.pop()[:-1]} ({len(described)} objects)."
    elif len(described) == 1:
        message = described[0][1]
    else:
        message = " ".join(f"{short(name, 80)}: {text}" for name, text in described[:20])
        if len(described) > 20:
            message += f" … and {len(described) - 20} more."
    heading = _heading.get()
    return f"{heading}: {message}" if heading else message


def describe_revision(sender, revision, versions, **kwargs):
    if not revision.comment:
        revision.comment = change_message(list(versions))


pre_revision_commit.connect(describe_revision, dispatch_uid="statements-history")


# First states, bulk actions, restoring ------------------------------------------------------

FIRST_STATE = "The state before its first recorded change (from before the history began)."


def versioned_ids(model, ids):
    ids = [str(i) for i in ids]
    return set(
        Version.objects.get_for_model(model)
        .filter(object_id__in=ids)
        .values_list("object_id", flat=True)
        .distinct()
    )


def keep_first_state(model, ids):
    """Objects about to change that have no version yet (entered before the history began)
    get their present state recorded first, so that no change loses it. Call it outside any
    revision being recorded."""
    ids = {str(i) for i in ids if str(i).isdigit()}
    missing = ids - versioned_ids(model, ids)
    if not missing:
        return
    with reversion.create_revision():
        reversion.set_comment(FIRST_STATE)
        for obj in model._default_manager.filter(pk__in=missing):
            reversion.add_to_revision(obj)


def comparable(fields):
    return {
        name: sorted(value) if isinstance(value, list) else value
        for name, value in fields.items()
        if name not in UNSHOWN
    }


def current_fields(obj):
    data = serializers.serialize("python", [obj], fields=FIELDS[type(obj)])[0]["fields"]
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def add_changed(model, ids):
    """Add to the revision being recorded the objects among `ids` that differ from their
    latest version: what a bulk action (an UPDATE, which sends no signal) changed."""
    ids = [str(i) for i in ids]
    latest = {
        v.object_id: json.loads(v.serialized_data)[0]["fields"]
        for v in Version.objects.get_for_model(model)
        .filter(object_id__in=ids)
        .order_by("object_id", "-pk")
        .distinct("object_id")
    }
    for obj in model._default_manager.filter(pk__in=ids).defer(*vector_fields(model)):
        kept = latest.get(str(obj.pk))
        if kept is None or comparable(kept) != comparable(current_fields(obj)):
            reversion.add_to_revision(obj)


def owners_of(model, ids):
    """The owners (model, id) whose snapshot holds these parts."""
    if model not in OWNER:
        return []
    column = model._meta.get_field(OWNER[model])
    owner = column.related_model
    pks = model._default_manager.filter(pk__in=ids).values_list(column.attname, flat=True)
    return [(owner, pk) for pk in set(pks)]


def add_objects(pairs):
    for model, pk in pairs:
        obj = model._default_manager.filter(pk=pk).first()
        if obj is not None:
            reversion.add_to_revision(obj)


class RestoreError(Exception):
    """The version cannot be restored as it stands (its key is another's now, a topic it was
    tagged with is gone): nothing was changed."""


def when(revision):
    return timezone.localtime(revision.date_created).strftime("%Y-%m-%d %H:%M:%S")


def restore(version, user):
    """Bring the object back to `version`, with its parts (quotations deleted since come
    back, those added since go) and many-to-many tags, in one transaction; recorded as a new
    revision. Raises RestoreError, having changed nothing, when the database refuses it."""
    model = version._model
    part = PARTS.get(model)
    parts = part_versions(version)
    try:
        with transaction.atomic():
            version.revert()
            if part and part.removes_added:
                kept = [int(v.object_id) for v in parts]
                part.model._default_manager.filter(**{part.fk: version.object_id}).exclude(
                    pk__in=kept
                ).delete()
            for v in parts:
                v.revert()
            if model is Statement:
                Statement.objects.filter(pk=version.object_id).update(updated=timezone.now())
            # Foreign keys are checked at commit; check them here, where a refusal is caught.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            obj = model._default_manager.get(pk=version.object_id)
            with reversion.create_revision():
                reversion.set_user(user)
                reversion.set_comment(f"Restored version of {when(version.revision)} by {user}")
                reversion.add_to_revision(obj)
    except (models.ProtectedError, models.RestrictedError) as error:
        raise RestoreError(f"it would delete what is still referred to: {error.args[0]}") from None
    except (DatabaseError, RevertError) as error:
        raise RestoreError(str(error).splitlines()[0]) from None
    return obj


# Imports -----------------------------------------------------------------------------------

MODEL_OF_TYPE = {m._meta.model_name: m for m in (*MAIN, Quotation, Affiliation)}
# What str() of a part reads: its neighbours' names, not their texts.
REPR_RELATED = {
    Quotation: ["statement", "resolution"],
    Affiliation: ["organisation", "target"],
}


def long_columns(model, prefix):
    return [
        f"{prefix}__{f.name}"
        for f in model._meta.concrete_fields
        if isinstance(f, models.TextField) or f.name in vector_fields(model)
    ]


def import_closure(written):
    """The objects whose snapshots an import changed: those it wrote, and the owners of the
    parts it wrote, with every part of each owner (a snapshot holds them all)."""
    ids = {model: set(written.get(model, ())) for model in MODEL_OF_TYPE.values()}

    def owners(part_model, column):
        return set(part_model.objects.filter(pk__in=ids[part_model]).values_list(column, flat=True))

    statements = ids[Statement] | owners(Quotation, "statement_id")
    organisations = ids[Organisation] | owners(Affiliation, "organisation_id")
    congresses = ids[Congress]
    resolutions = ids[Resolution] | set(
        Resolution.objects.filter(congress__in=congresses).values_list("pk", flat=True)
    )

    def parts(part_model, column, owner_ids):
        return set(
            part_model.objects.filter(**{f"{column}__in": owner_ids}).values_list("pk", flat=True)
        )

    return {
        Organisation: organisations,
        Affiliation: parts(Affiliation, "organisation", organisations),
        Topic: ids[Topic],
        Alias: parts(Alias, "topic", ids[Topic]),
        Congress: congresses,
        Resolution: resolutions,
        Statement: statements,
        Quotation: parts(Quotation, "statement", statements),
    }


def new_versions(model, ids, revision, chunk=500):
    """Versions of these objects, a list for each chunk of them, serialized together (their
    many-to-many lists prefetched) rather than one object and three queries at a time."""
    content_type = ContentType.objects.get_for_model(model)
    many = [f.name for f in model._meta.local_many_to_many]
    related = REPR_RELATED.get(model, [])
    deferred = [*vector_fields(model)]
    for name in related:
        deferred += long_columns(model._meta.get_field(name).related_model, name)
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        objects = model._default_manager.filter(pk__in=ordered[start : start + chunk])
        if related:
            objects = objects.select_related(*related)
        objects = list(objects.defer(*deferred).prefetch_related(*many).order_by("pk"))
        data = serializers.serialize("python", objects, fields=FIELDS[model])
        yield [
            Version(
                revision=revision,
                object_id=str(obj.pk),
                content_type=content_type,
                db="default",
                format="json",
                serialized_data=json.dumps([item], cls=DjangoJSONEncoder, ensure_ascii=False),
                object_repr=str(obj),
            )
            for obj, item in zip(objects, data, strict=True)
        ]


def import_comment(results):
    said = []
    for result in results:
        counts = [
            f"{type_} {', '.join(parts)}"
            for type_, c in result.counts.items()
            if (
                parts := [
                    f"{n:,} {how}"
                    for n, how in ((c.created, "created"), (c.updated, "updated"))
                    if n
                ]
            )
        ]
        said.append(f"{result.path} ({'; '.join(counts) or 'nothing changed'})")
    return "Imported " + ", ".join(said) + "."


def record_import(results, user=None):
    """One revision for a run of import_archive (its importer writes with COPY and set-based
    SQL, which send no signals): a version of every object it wrote, with their parts, and a
    comment naming the files and their counts. Returns the revision, or None when the run
    changed nothing."""
    written = {}
    for result in results:
        for type_, counts in result.counts.items():
            written.setdefault(MODEL_OF_TYPE[type_], set()).update(counts.written)
    if not any(written.values()):
        return None
    with transaction.atomic():
        revision = Revision.objects.create(
            date_created=timezone.now(), user=user, comment=import_comment(results)
        )
        for model, ids in import_closure(written).items():
            for versions in new_versions(model, ids, revision):
                Version.objects.bulk_create(versions)
    return revision
