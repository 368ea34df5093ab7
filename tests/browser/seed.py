"""The demo archive (demo/archive.jsonl: the LO answer on trafficking and what it quotes), loaded
for page and browser tests.

It goes through the `import_archive` command when that exists; until then a plain reader builds
the same objects with the ORM, trusting the file (the importer's own tests check the file)."""

import json
from pathlib import Path

from django.core.management import call_command, get_commands

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

DEMO = Path(__file__).resolve().parents[2] / "demo" / "archive.jsonl"


def load_demo():
    if "import_archive" in get_commands():
        call_command("import_archive", str(DEMO), verbosity=0)
        return
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line]
    by_type = {}
    for row in rows:
        by_type.setdefault(row.pop("type"), []).append(row)
    organisations = {}
    for row in by_type.get("organisation", []):
        parent = row.pop("parent", None)
        organisations[row["key"]] = (Organisation.objects.create(**row), parent)
    for organisation, parent in organisations.values():
        if parent:
            organisation.parent = organisations[parent][0]
            organisation.save()
    orgs = {key: pair[0] for key, pair in organisations.items()}
    for row in by_type.get("affiliation", []):
        Affiliation.objects.create(
            organisation=orgs[row.pop("organisation")], target=orgs[row.pop("target")], **row
        )
    topics, parents, related = {}, {}, {}
    for row in by_type.get("topic", []):
        parents[row["key"]] = row.pop("parent", None)
        related[row["key"]] = row.pop("related", [])
        aliases = row.pop("aliases", [])
        topics[row["key"]] = topic = Topic.objects.create(**row)
        for position, name in enumerate(aliases):
            Alias.objects.create(topic=topic, name=name, position=position)
    for key, parent in parents.items():
        if parent:
            topics[key].parent = topics[parent]
            topics[key].save()
    for key, others in related.items():
        topics[key].related.add(*(topics[o] for o in others))
    congresses = {}
    for row in by_type.get("congress", []):
        congresses[row["key"]] = Congress.objects.create(
            organisation=orgs[row.pop("organisation")], **row
        )
    resolutions = {}
    for row in by_type.get("resolution", []):
        keys = row.pop("topics", [])
        resolution = Resolution.objects.create(congress=congresses[row.pop("congress")], **row)
        resolution.topics.set([topics[k] for k in keys])
        resolutions[resolution.key] = resolution
    statements = {}
    for row in by_type.get("statement", []):
        keys, mentions = row.pop("topics", []), row.pop("mentions", [])
        addressed = row.pop("addressed_to", None)
        date = row.pop("date", None)
        if date:
            row["date"], row["date_precision"] = codes.parse_partial_date(date)
        statement = Statement.objects.create(
            organisation=orgs[row.pop("organisation")],
            addressed_to=orgs[addressed] if addressed else None,
            **row,
        )
        statement.topics.set([topics[k] for k in keys])
        statement.mentions.set([orgs[k] for k in mentions])
        statements[statement.key] = statement
    for row in by_type.get("quotation", []):
        Quotation.objects.create(
            statement=statements[row["statement"]],
            resolution=resolutions[row["resolution"]],
            excerpt=row["excerpt"],
        )
