"""Organisations side by side on a topic: what each said (its positions over time on one shared
axis, its newest positions with the passages on the topic), the resolutions each quoted, and
the wording they share.

    comparison = Comparison(PositionFilterSet(request.GET))   # 2 to 4 organisations chosen
    comparison.sides          # one Side per organisation, in the selection's order
    comparison.years          # the shared axis: (first, last), or None
    comparison.shared         # SharedPassage objects, the longest first; .shared_count

Each side is the selection narrowed to one organisation: the same PositionFilterSet, so every
filter of the positions view means the same here.

Shared passages are runs of at least SHARED_WORDS words (case folded, punctuation ignored)
found in the texts of two or more of the organisations. The work is bounded whatever the size
of the archive: each side reads at most SHARED_TEXTS of its newest texts on the topic and
SHARED_CHARS characters of them, so a page hashes at most 4 x SHARED_CHARS characters' worth of
word n-grams once each (a dictionary from n-gram to the sides it occurs in), then walks them
once more to join overlapping n-grams into passages: linear in the text read."""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count

from ..models import Quotation, Resolution, Statement
from ..search.headlines import highlighted, marked
from .listing import hydrate, ordered_by_title, ordered_facts
from .params import DATE_SORTS
from .results import Positions
from .timeline import layout_timeline

COMPARED_MIN, COMPARED_MAX = 2, 4  # organisations on one page
SHOWN = 5  # newest positions listed per organisation (the rest: its positions view)
QUOTED = 10  # resolutions listed per organisation, the most quoted first
SHARED_WORDS = 8  # the shortest run of words that counts as shared wording
SHARED_TEXTS, SHARED_CHARS = 100, 50_000  # read per organisation for shared wording
TEXTS_READ = 20  # texts read at a time until SHARED_CHARS are read
SHARED_SHOWN = 20  # shared passages listed, the longest first
TIMELINE_HEIGHT = 48  # each organisation's strip of the shared timeline

WORD = re.compile(r"\w+")


@dataclass
class QuotedResolution:
    resolution: Resolution
    quotations: int  # by this organisation's statements in the selection
    statements: int
    shared: bool = False  # quoted by another of the compared organisations too


@dataclass
class Side:
    """One organisation's part of the comparison."""

    organisation: object
    filterset: object
    statements: int = 0
    resolutions: int = 0
    per_year: dict = field(default_factory=dict)
    undated: int = 0
    timeline: object = None
    positions: list = field(default_factory=list)
    quoted: list = field(default_factory=list)

    @property
    def count(self):
        return self.statements + self.resolutions

    @property
    def params(self):
        return self.filterset.canonical_params()


@dataclass
class Occurrence:
    side: Side
    text: object  # the statement or resolution
    paragraph: int

    @property
    def url(self):
        return f"{self.text.get_absolute_url()}#p{self.paragraph}"


@dataclass
class SharedPassage:
    html: str  # as the first of the organisations wrote it, topic words marked
    words: int
    occurrences: list  # one Occurrence per organisation that wrote it


def narrowed(filterset, organisation):
    """The selection with only this organisation: a PositionFilterSet of its own."""
    data = filterset.data.copy()
    data.setlist("organisation", [organisation.key])
    narrow = type(filterset)(data)
    narrow.topic_tree = filterset.topic_tree  # read once per page, not once per side
    return narrow


class Comparison:
    """The comparison of the organisations that a valid PositionFilterSet chooses."""

    def __init__(self, filterset):
        self.filterset = filterset
        self.selection = Positions(filterset)
        # In the order chosen: the columns' order.
        order = {
            key: i for i, key in reversed(list(enumerate(filterset.data.getlist("organisation"))))
        }
        organisations = sorted(
            filterset.form.cleaned_data["organisation"], key=lambda o: order[o.key]
        )
        self.sides = [Side(o, narrowed(filterset, o)) for o in organisations]
        self._count()
        self._lay_out_timelines()
        for side in self.sides:
            side.positions = self._newest(side)
        self._quoted()

    @property
    def topic_pattern(self):
        """Whole-word matches of the topics' names and aliases (the positions lists' own)."""
        return self.selection.topic_pattern

    # --- Counts and the shared timeline ---

    def _count(self):
        """Each side's positions per year and type: one grouped pass over the selection's
        facts (the organisations' positions on the topic, under the other filters)."""
        by_id = {side.organisation.pk: side for side in self.sides}
        rows = (
            self.filterset.facts()
            .order_by()
            .values_list("organisation_id", "type", "year")
            .annotate(n=Count("*"))
        )
        for organisation_id, kind, year, n in rows:
            side = by_id[organisation_id]
            if kind == "statement":
                side.statements += n
            else:
                side.resolutions += n
            if year is None:
                side.undated += n
            else:
                side.per_year[year] = side.per_year.get(year, 0) + n

    @cached_property
    def years(self):
        """The shared axis: the first and last year any of the organisations has."""
        years = [year for side in self.sides for year in side.per_year]
        return (min(years), max(years)) if years else None

    def _lay_out_timelines(self):
        """One timeline per side over the same years and at the same scale, so that bars line
        up year by year and heights compare."""
        peak = max((n for side in self.sides for n in side.per_year.values()), default=0)
        for side in self.sides:
            per_year = {}
            if self.years:
                first, last = self.years
                per_year = {y: side.per_year.get(y, 0) for y in range(first, last + 1)}
            chart = layout_timeline(per_year, side.undated)
            chart.height, chart.peak = TIMELINE_HEIGHT, peak
            for bar in chart.bars:
                bar.height = round(TIMELINE_HEIGHT * bar.count / peak, 1) if peak else 0
                if bar.count and bar.height < 2:
                    bar.height = 2
                bar.y = round(TIMELINE_HEIGHT - bar.height, 1)
            side.timeline = chart

    @property
    def ticks(self):
        """The axis's year labels: the same for every side."""
        return self.sides[0].timeline.ticks if self.sides else []

    @property
    def year_rows(self):
        """(year, [count per side]) for every year of the axis that any side has: the table
        behind the chart."""
        if not self.years:
            return []
        first, last = self.years
        rows = []
        for year in range(first, last + 1):
            counts = [side.per_year.get(year, 0) for side in self.sides]
            if any(counts):
                rows.append((year, counts))
        return rows

    @property
    def undated_row(self):
        counts = [side.undated for side in self.sides]
        return counts if any(counts) else None

    # --- What each one said ---

    def _rows(self, side, limit, sort=None):
        """(type, id, …) rows of the side's first positions in the selection's order."""
        sort = sort or self.filterset.sort_order
        if sort in DATE_SORTS:
            return list(ordered_facts(side.filterset.facts(), sort)[:limit])
        statements, resolutions = side.filterset.filtered()
        return list(ordered_by_title(statements, resolutions, limit=limit)[:limit])

    def _newest(self, side):
        if not side.count:
            return []
        return hydrate(self._rows(side, SHOWN), self.topic_pattern)

    def _quoted(self):
        """The resolutions each side's statements quote, the most quoted first; those quoted
        by more than one of the organisations are marked as shared."""
        counted = {}
        for side in self.sides:
            statements = side.filterset.filtered()[0]
            counted[side.organisation.pk] = list(
                Quotation.objects.filter(statement__in=statements.values("pk"))
                .order_by()
                .values("resolution")
                .annotate(quotations=Count("pk"), statements=Count("statement", distinct=True))
                .order_by("-quotations", "resolution")
                .values_list("resolution", "quotations", "statements")[:QUOTED]
            )
        ids = {pk for rows in counted.values() for pk, *_ in rows}
        found = Resolution.objects.select_related("congress__organisation").without_vectors()
        found = found.in_bulk(ids)
        quoted_by = {}
        for rows in counted.values():
            for pk, *_ in rows:
                quoted_by[pk] = quoted_by.get(pk, 0) + 1
        for side in self.sides:
            side.quoted = [
                QuotedResolution(found[pk], quotations, statements, quoted_by[pk] > 1)
                for pk, quotations, statements in counted[side.organisation.pk]
                if pk in found
            ]

    # --- Shared wording ---

    def _texts(self, side):
        """The side's newest texts on the topic, within the bounds (SHARED_TEXTS, SHARED_CHARS),
        in that order: [(statement or resolution, text)]."""
        rows = self._rows(side, SHARED_TEXTS, sort="newest") if side.count else []
        texts, budget = [], SHARED_CHARS
        # Read in batches, newest first, until the characters are spent: a few long texts
        # fill the budget, and the rest of the hundred need not be read.
        for at in range(0, len(rows), TEXTS_READ):
            batch = rows[at : at + TEXTS_READ]
            found = {}
            for model in (Statement, Resolution):
                kind = model._meta.model_name
                ids = [pk for row_kind, pk, *_ in batch if row_kind == kind]
                if ids:
                    read = model.objects.filter(pk__in=ids).only("key", "title", "text")
                    found.update({(kind, t.pk): t for t in read})
            for kind, pk, *_ in batch:
                text = found.get((kind, pk))
                if text is None or budget <= 0:
                    continue
                texts.append((text, text.text[:budget]))
                budget -= len(text.text)
            if budget <= 0:
                break
        return texts

    @cached_property
    def _shared(self):
        return shared_passages([self._texts(side) for side in self.sides], self.topic_pattern)

    @property
    def shared(self):
        return [
            SharedPassage(html, words, [Occurrence(self.sides[s], t, p) for s, t, p in where])
            for html, words, where in self._shared[:SHARED_SHOWN]
        ]

    @property
    def shared_count(self):
        return len(self._shared)


def grams_of(text, n=SHARED_WORDS):
    """The text's word n-grams in order, case folded (built in C: zip over shifted lists)."""
    words = WORD.findall(text)
    words = " ".join(words).casefold().split(" ") if words else []
    return list(zip(*(words[k:] for k in range(n)), strict=False))  # stops at the shortest


def shared_passages(sides, pattern=None, n=SHARED_WORDS):
    """The runs of at least n words that two or more sides wrote, the longest first.

    `sides`: for each side, its [(text object, text)]. Returns [(html, words, [(side index,
    text object, paragraph number)])], one occurrence per side that has the wording (its first),
    the passage as the first of those sides wrote it. Each n-gram is hashed once per text and
    each passage reported once, however many texts repeat it."""
    grams = [[grams_of(text, n) for _obj, text in texts] for texts in sides]
    # The n-grams two sides or more share, by set intersections: most compared texts share
    # none, and then no n-gram is looked at one by one.
    of_side = [set().union(*texts) for texts in grams]
    common = set()
    for a in range(len(of_side)):
        for b in range(a + 1, len(of_side)):
            common |= of_side[a] & of_side[b]
    where = {}  # shared n-gram -> {side: (text index, n-gram index)}, its first place in each
    read = []  # for each side, each text's (word spans, n-grams), or None if it shares nothing
    for s, texts in enumerate(grams):
        read.append([])
        for t, text_grams in enumerate(texts):
            if common.isdisjoint(text_grams):
                read[s].append(None)
                continue
            spans = [m.span() for m in WORD.finditer(sides[s][t][1])]
            read[s].append((spans, text_grams))
            for i, gram in enumerate(text_grams):
                if gram in common:
                    where.setdefault(gram, {}).setdefault(s, (t, i))
    found, reported = [], set()

    def owned(gram, s):
        # Reported from the first side that wrote it, once.
        sides_of = where.get(gram)
        return sides_of is not None and min(sides_of) == s and gram not in reported

    for s, texts in enumerate(read):
        for t, text_read in enumerate(texts):
            if text_read is None:
                continue
            spans, grams = text_read
            i = 0
            while i < len(grams):
                if not owned(grams[i], s):
                    i += 1
                    continue
                first = {}
                j = i
                while j < len(grams) and owned(grams[j], s):
                    for other, place in where[grams[j]].items():
                        first.setdefault(other, place)
                    reported.add(grams[j])
                    j += 1
                first[s] = (t, i)  # this run, here
                text = sides[s][t][1]
                passage = text[spans[i][0] : spans[j - 1 + n - 1][1]]
                occurrences = []
                for other in sorted(first):
                    other_t, other_i = first[other]
                    other_text = sides[other][other_t][1]
                    at = read[other][other_t][0][other_i][0]
                    paragraph = other_text.count("\n\n", 0, at) + 1
                    occurrences.append((other, sides[other][other_t][0], paragraph))
                html = highlighted(marked(passage, pattern))
                found.append((html, j - i + n - 1, occurrences))
                i = j
    found.sort(key=lambda passage: -passage[1])
    return found
