"""A small, hand-made archive for the page and positions tests, built with the ORM, and the
same facts kept as plain Python records so tests compute expected results on their own."""

import datetime
from dataclasses import dataclass, field

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

# key: (name, parent key, aliases)
TOPICS = {
    "labour-rights": ("Labour rights", None, []),
    "child-labour": ("Child labour", "labour-rights", ["child work"]),
    "forced-labour": ("Forced labour", "labour-rights", ["slavery"]),
    "trafficking": ("Trafficking in human beings", None, ["THB", "human trafficking"]),
    "poverty": ("Poverty", None, []),
}
# key: (name, short name, country, kind)
ORGANISATIONS = {
    "lo": ("Norwegian Confederation of Trade Unions", "LO", "NO", "trade_union_confederation"),
    "fagforbundet": ("Norwegian Union of Municipal and General Employees", "", "NO", "trade_union"),
    "tuc": ("Trades Union Congress", "TUC", "GB", "trade_union_confederation"),
    "ituc": ("International Trade Union Confederation", "ITUC", "", "trade_union_confederation"),
    "antislavery": ("Anti-Slavery International", "", "GB", "ngo"),
}


@dataclass
class Item:
    """What a test knows about one position, independently of the database."""

    type: str
    key: str
    organisation: str
    year: int | None
    topics: set = field(default_factory=set)
    kind: str = ""
    language: str = "en"
    status: str = "published"
    title: str = ""

    @property
    def country(self):
        return ORGANISATIONS[self.organisation][2]

    @property
    def organisation_kind(self):
        return ORGANISATIONS[self.organisation][3]


def descendants(topic):
    found = {topic}
    changed = True
    while changed:
        changed = False
        for key, (_name, parent, _aliases) in TOPICS.items():
            if parent in found and key not in found:
                found.add(key)
                changed = True
    return found


def matches(item, **selection):
    """Does the item match a selection {parameter: [values]}? Values of one parameter are
    ORed (but every `also_topic` must hold), parameters ANDed; the rules the archive
    promises, written out plainly."""
    if item.status != "published":
        return False
    for name, values in selection.items():
        if not values:
            continue
        if name == "type" and item.type not in values:
            return False
        if name == "topic" and not any(item.topics & descendants(t) for t in values):
            return False
        if name == "also_topic" and not all(item.topics & descendants(t) for t in values):
            return False
        if name == "organisation" and item.organisation not in values:
            return False
        if name == "country" and item.country not in values:
            return False
        if name == "organisation_kind" and item.organisation_kind not in values:
            return False
        if name == "kind" and (item.type != "statement" or item.kind not in values):
            return False
        if name == "language" and item.language not in values:
            return False
        if name == "year_from" and (item.year is None or item.year < int(values[0])):
            return False
        if name == "year_to" and (item.year is None or item.year > int(values[0])):
            return False
    return True


def expected_keys(items, **selection):
    return {i.key for i in items if matches(i, **selection)}


class ArchiveBuilder:
    def __init__(self):
        self.items = []
        self.topics = {}
        self.organisations = {}
        self.congresses = {}
        self.objects = {}

    def build_vocabulary(self):
        for key, (name, short, country, kind) in ORGANISATIONS.items():
            self.organisations[key] = Organisation.objects.create(
                key=key, name=name, short_name=short, country=country, kind=kind
            )
        for key, (name, _parent, aliases) in TOPICS.items():
            self.topics[key] = Topic.objects.create(key=key, name=name)
            for position, alias in enumerate(aliases):
                Alias.objects.create(topic=self.topics[key], name=alias, position=position)
        for key, (_name, parent, _aliases) in TOPICS.items():
            if parent:
                self.topics[key].parent = self.topics[parent]
                self.topics[key].save()
        self.topics["trafficking"].related.add(self.topics["forced-labour"])
        Affiliation.objects.create(
            organisation=self.organisations["lo"],
            relation="member_of",
            target=self.organisations["ituc"],
        )
        Affiliation.objects.create(
            organisation=self.organisations["tuc"],
            relation="member_of",
            target=self.organisations["ituc"],
        )
        return self

    def congress(self, key, organisation, year, **extra):
        self.congresses[key] = Congress.objects.create(
            key=key,
            organisation=self.organisations[organisation],
            name=f"{year} {organisation.upper()} Congress",
            year=year,
            **extra,
        )
        return self.congresses[key]

    def statement(
        self,
        key,
        organisation,
        date=None,
        precision="",
        topics=(),
        kind="other",
        language="en",
        status="published",
        text=None,
        title=None,
        **extra,
    ):
        if date is not None and not precision:
            precision = "day"
        statement = Statement.objects.create(
            key=key,
            organisation=self.organisations[organisation],
            title=title or f"Statement {key}",
            text=text or f"Opening of {key}.\n\nA second paragraph of {key}.",
            kind=kind,
            language=language,
            status=status,
            date=date,
            date_precision=precision,
            **extra,
        )
        statement.topics.set([self.topics[t] for t in topics])
        self.objects[key] = statement
        self.items.append(
            Item(
                "statement",
                key,
                organisation,
                date.year if date else None,
                set(topics),
                kind,
                language,
                status,
                statement.title,
            )
        )
        return statement

    def resolution(self, key, congress, topics=(), language="en", text=None, title=None):
        resolution = Resolution.objects.create(
            key=key,
            congress=self.congresses[congress],
            title=title or f"Resolution {key}",
            text=text or f"The congress resolves on {key}.",
            language=language,
        )
        resolution.topics.set([self.topics[t] for t in topics])
        congress_obj = self.congresses[congress]
        self.objects[key] = resolution
        self.items.append(
            Item(
                "resolution",
                key,
                congress_obj.organisation.key,
                congress_obj.year,
                set(topics),
                "",
                language,
                "published",
                resolution.title,
            )
        )
        return resolution


def build_archive():
    """Nine statements (one a draft) and four resolutions over five organisations."""
    b = ArchiveBuilder().build_vocabulary()
    b.congress("lo-congress-2009", "lo", 2009)
    b.congress("tuc-congress-2015", "tuc", 2015, start_date=datetime.date(2015, 9, 13))
    b.resolution(
        "lo-2009-poverty",
        "lo-congress-2009",
        ["poverty", "trafficking"],
        text="The labour movement fights poverty.\n\n"
        "Trafficking in women and children is an immense problem.",
    )
    b.resolution("lo-2009-child", "lo-congress-2009", ["child-labour"], language="no")
    b.resolution("tuc-2015-slavery", "tuc-congress-2015", ["forced-labour"])
    b.resolution("tuc-2015-general", "tuc-congress-2015", [])
    b.statement(
        "lo-answer",
        "lo",
        datetime.date(2009, 1, 1),
        "year",
        ["trafficking"],
        "answer",
        text="LO is very concerned about Trafficking in Human Beings (THB).\n\n"
        "From the action plan: 'The labour movement fights poverty.'\n\n"
        "The fight against THB goes on.",
        addressed_to=b.organisations["antislavery"],
        occasion="Questionnaire on THB",
    )
    b.statement(
        "lo-press",
        "lo",
        datetime.date(2012, 5, 1),
        "month",
        ["child-labour", "forced-labour"],
        "press_release",
    )
    b.statement(
        "fagforbundet-speech",
        "fagforbundet",
        datetime.date(2012, 5, 12),
        "day",
        ["labour-rights"],
        "speech",
        language="no",
    )
    b.statement("tuc-paper", "tuc", None, "", ["trafficking", "poverty"], "position_paper")
    b.statement("antislavery-report", "antislavery", datetime.date(2020, 3, 3), "day", [], "report")
    b.statement(
        "ituc-answer", "ituc", datetime.date(2015, 6, 1), "day", ["forced-labour"], "answer"
    )
    b.statement("tuc-undated-speech", "tuc", None, "", ["child-labour"], "speech")
    b.statement(
        "lo-draft",
        "lo",
        datetime.date(2010, 1, 1),
        "year",
        ["trafficking"],
        "answer",
        status="draft",
        title="Draft answer that must stay hidden",
        text="The labour movement fights poverty.",
    )
    b.objects["lo-answer"].mentions.add(b.organisations["ituc"])
    b.objects["lo-draft"].mentions.add(b.organisations["ituc"])
    Quotation.objects.create(
        statement=b.objects["lo-answer"],
        resolution=b.objects["lo-2009-poverty"],
        excerpt="The labour movement fights poverty.",
    )
    Quotation.objects.create(
        statement=b.objects["lo-draft"],
        resolution=b.objects["lo-2009-poverty"],
        excerpt="The labour movement fights poverty.",
    )
    return b
