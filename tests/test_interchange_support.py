"""Helpers shared by the interchange tests (no tests here): running the two commands,
counting every table, emptying the archive, and a hand-written archive in canonical form."""

import gzip
import io
import os
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection

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

# The large real corpora, outside the repository: the directory ARCHIVE_CORPORA names
# (.ci/run sets it to the shared corpora beside the checkout). Tests marked `corpus` are left
# out without it.
CORPORA = Path(os.environ.get("ARCHIVE_CORPORA", "/nonexistent"))
FILES = Path(__file__).resolve().parent / "interchange_files"
DEMO = Path(__file__).resolve().parent.parent / "demo" / "archive.jsonl"

MODELS = (Organisation, Affiliation, Topic, Alias, Congress, Resolution, Statement, Quotation)
THROUGH = (
    Topic.related.through,
    Resolution.topics.through,
    Statement.topics.through,
    Statement.mentions.through,
)


class Run:
    """What a command run gave: exit status (0 or 1), standard output and standard error."""

    def __init__(self, status, out, err):
        self.status, self.out, self.err = status, out, err


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        err.write(f"CommandError: {error}\n")
        status = 1
    return Run(status, out.getvalue(), err.getvalue())


def write(tmp_path, text, name="archive.jsonl"):
    path = tmp_path / name
    data = text.encode("utf-8") if isinstance(text, str) else text
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def import_text(tmp_path, text, *options, name="archive.jsonl"):
    return run("import_archive", str(write(tmp_path, text, name)), *options)


def export_text(*options):
    result = run("export_archive", *options)
    assert result.status == 0, result.err
    return result.out


def counts():
    """Rows in every table the importer writes, many-to-many tables included."""
    tables = {m._meta.db_table for m in MODELS} | {t._meta.db_table for t in THROUGH}
    with connection.cursor() as cursor:
        result = {}
        for table in sorted(tables):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            result[table] = cursor.fetchone()[0]
    return result


def empty_archive():
    Quotation.objects.all().delete()
    Statement.objects.all().delete()
    Resolution.objects.all().delete()
    Congress.objects.all().delete()
    Affiliation.objects.all().delete()
    Topic.objects.update(parent=None)
    Topic.objects.all().delete()
    Organisation.objects.update(parent=None)
    Organisation.objects.all().delete()
    assert not any(counts().values())


def corpus_slice(name, statements):
    """The corpus's organisations and topics and its first `statements` statements."""
    path = CORPORA / name
    assert path.exists(), f"corpus {path} not found: ARCHIVE_CORPORA names a folder without it"
    lines, taken = [], 0
    with gzip.open(path, "rt", encoding="utf-8") as corpus:
        for line in corpus:
            if '"type": "statement"' in line[:30]:
                if taken == statements:
                    continue
                taken += 1
            lines.append(line)
    return "".join(lines)


# A whole small archive written by hand in canonical form: every type, every optional field
# (once present, once left out), drafts, dates of all three precisions and none, non-ASCII
# text, aliases in an order that is not sorted, and related pairs (each written once, on the
# topic whose key sorts first).
CANONICAL = (FILES / "canonical.jsonl").read_text(encoding="utf-8")
