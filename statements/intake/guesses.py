"""What intake guesses from a document's blocks, for an editor to accept or change: the title,
the author and the addressee, the organisations the text names, its quoted passages and the
resolutions they agree with, and the topics whose names or aliases it uses.

Names are found by words, not by letters: the text and every name are cut into words, and a
run of the text's words is looked up among the names' runs (longest first), so that ILO is not
found in "LO" nor LO in "ILO", and a name broken over two lines is still found. Acronyms (LO,
THB) must be written as they are; other names are found in any case."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.utils.text import slugify

from .. import codes
from ..models import Alias, Organisation, Resolution, Statement, Topic
from ..search.config import FALLBACK_CONFIG, LANGUAGE_CONFIGS
from .reading import HEADING, QUOTE

WORD_RE = re.compile(r"\w+")
# The head of a document: a title and a few short lines (an addressee, a date) before the
# first paragraph of prose.
TITLE_MAX, HEAD_LINE_MAX, HEAD_LINES_MAX = 200, 150, 4
# Quote marks: an opening mark and the one that closes it.
# (Single curly marks written as escapes: \u2018 opens, \u2019 closes.)
QUOTE_MARKS = {"“": "”", "„": "“", "«": "»", '"': '"', "\u2018": "\u2019", "'": "'"}
# Inline, a quotation is told from a quoted word or title by its length; single quote marks
# are left to whole paragraphs, since inside one they are as often apostrophes.
INLINE_QUOTE_RE = re.compile(r"“([^“”]+)”|„([^„“]+)“|«([^«»]+)»|\"([^\"\n]+)\"")
INLINE_QUOTE_MIN_WORDS = 8
# A quotation whose words agree this closely, in order, with a resolution's is its quotation.
AGREEMENT = 0.9
KINDS = [
    (("answer", "reply", "response"), codes.StatementKind.ANSWER),
    (("position paper", "position"), codes.StatementKind.POSITION_PAPER),
    (("press release",), codes.StatementKind.PRESS_RELEASE),
    (("speech", "address by"), codes.StatementKind.SPEECH),
    (("report",), codes.StatementKind.REPORT),
]


@dataclass
class Guess:
    """A guessed object and why: shown to the editor beside the choice."""

    value: object
    reason: str


@dataclass
class Passage:
    excerpt: str
    # (resolution, how it agrees), best first.
    resolutions: list = field(default_factory=list)


@dataclass
class Draft:
    title: str
    kind: str
    key: str
    paragraphs: list
    author: Guess | None
    addressee: Guess | None
    named: list  # organisations the document names, in order of first naming
    mentions: list  # those of them the text names, beside its author and addressee
    passages: list
    topics: list  # Guess(topic, "as THB, human trafficking"), most often named first

    @property
    def text(self):
        return "\n\n".join(self.paragraphs)


def guess_draft(blocks):
    """The draft statement intake proposes for a document's blocks (reading.read_document)."""
    title, head, body = split_head(blocks)
    organisations = NameIndex.of_organisations()
    address_lines = [line for line in head if organisations.find(line)]
    # Head lines that name no organisation (a date, a place) stay in the text for the editor.
    paragraphs = [b.text for b in head if b not in address_lines] + [b.text for b in body]
    text = "\n\n".join(paragraphs)
    addressee = guess_addressee(address_lines, title, organisations)
    author = guess_author(title, text, organisations, addressee)
    in_text = organisations.find(text)
    everything = organisations.find("\n".join([title, *(b.text for b in address_lines), text]))
    chosen = {g.value.pk for g in (author, addressee) if g}
    return Draft(
        title=title,
        kind=guess_kind(title),
        key=unique_key(title),
        paragraphs=paragraphs,
        author=author,
        addressee=addressee,
        named=list(everything),
        mentions=[o for o in in_text if o.pk not in chosen],
        passages=[
            Passage(excerpt, matching_resolutions(excerpt))
            for excerpt in quoted_passages([*head, *body])
        ],
        topics=suggest_topics("\n".join([title, text])),
    )


# The head: title and address lines -----------------------------------------------------------


def is_head_line(block, limit):
    text = block.text
    return len(text) <= limit and "\n" not in text and not text.endswith((".", ":"))


def split_head(blocks):
    """(title, head lines, body): the title is a first heading or first short line."""
    blocks = list(blocks)
    title = ""
    if blocks and (blocks[0].role == HEADING or is_head_line(blocks[0], TITLE_MAX)):
        title = blocks.pop(0).text
    head = []
    while (
        len(blocks) > 1
        and len(head) < HEAD_LINES_MAX
        and blocks[0].role != QUOTE
        and is_head_line(blocks[0], HEAD_LINE_MAX)
    ):
        head.append(blocks.pop(0))
    return title, head, blocks


def guess_addressee(address_lines, title, organisations):
    for line in address_lines:
        # The most specific organisation the line names: BSPC Working Group on Civil Security
        # rather than the BSPC whose acronym it holds.
        found = organisations.find(line)
        best = max(found, key=lambda o: found[o].longest)
        return Guess(best, f"the line “{line.text}” at the head of the document")
    after_to = re.split(r"\bto\b", title, maxsplit=1)
    if len(after_to) == 2 and (found := organisations.find(after_to[1])):
        best = next(iter(found))
        return Guess(best, f"named after “to” in the title “{title}”")
    return None


def guess_author(title, text, organisations, addressee):
    others = {addressee.value.pk} if addressee else set()
    before_to = re.split(r"\bto\b", title, maxsplit=1)[0]
    in_title = [o for o in organisations.find(before_to) if o.pk not in others]
    if in_title:
        return Guess(in_title[0], f"named in the title “{title}”")
    counted = [(o, n.count) for o, n in organisations.find(text).items() if o.pk not in others]
    if counted:
        # Most often named, the first named of equals (dicts keep the order of naming).
        organisation, count = max(counted, key=lambda item: item[1])
        return Guess(organisation, f"named most often in the text ({count} times)")
    return None


def guess_kind(title):
    lowered = title.casefold()
    for starts, kind in KINDS:
        if lowered.startswith(starts):
            return kind
    return codes.StatementKind.OTHER


def unique_key(title):
    base = slugify(title)[: codes.KEY_MAX_LENGTH - 4].strip("-") or "statement"
    taken = set(Statement.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


# Names ---------------------------------------------------------------------------------------


@dataclass
class Naming:
    count: int = 0
    longest: int = 0  # words in the longest name it was found by
    forms: list = field(default_factory=list)


class NameIndex:
    """Names (and acronyms) of objects, looked up by runs of a text's words."""

    def __init__(self, names):
        # names: (object, name, exact) with exact for acronyms, matched as written.
        self.runs, self.lengths = {}, set()
        for obj, name, exact in names:
            words = WORD_RE.findall(name if exact else name.casefold())
            if words:
                self.runs.setdefault((exact, tuple(words)), obj)
                self.lengths.add(len(words))

    @classmethod
    def of_organisations(cls):
        names = []
        for organisation in Organisation.objects.only("key", "name", "short_name", "native_name"):
            names.append((organisation, organisation.name, False))
            if organisation.native_name:
                names.append((organisation, organisation.native_name, False))
            if organisation.short_name:
                names.append((organisation, organisation.short_name, True))
        return cls(names)

    @classmethod
    def of_topics(cls):
        topics = {t.pk: t for t in Topic.objects.only("key", "name")}
        names = [(topic, topic.name, False) for topic in topics.values()]
        for topic_id, name in Alias.objects.values_list("topic_id", "name"):
            names.append((topics[topic_id], name, name.isupper()))
        return cls(names)

    def find(self, text):
        """{object: Naming} of the objects the text names, in order of first naming."""
        text = getattr(text, "text", text)
        words = WORD_RE.findall(text)
        folded = [w.casefold() for w in words]
        found = {}
        lengths = sorted(self.lengths, reverse=True)
        i = 0
        while i < len(words):
            for n in lengths:
                run = (True, tuple(words[i : i + n]))
                obj = self.runs.get(run) or self.runs.get((False, tuple(folded[i : i + n])))
                if obj is not None and len(run[1]) == n:
                    naming = found.setdefault(obj, Naming())
                    naming.count += 1
                    naming.longest = max(naming.longest, n)
                    form = " ".join(words[i : i + n])
                    if form.casefold() not in {f.casefold() for f in naming.forms}:
                        naming.forms.append(form)
                    i += n
                    break
            else:
                i += 1
        return found


def suggest_topics(text):
    found = NameIndex.of_topics().find(text)
    ranked = sorted(found.items(), key=lambda item: -item[1].count)
    return [
        Guess(topic, f"found {naming.count} times as {', '.join(naming.forms)}")
        for topic, naming in ranked
    ]


# Quotations ----------------------------------------------------------------------------------


def quoted_passages(blocks):
    """The passages a document quotes, without their quote marks, each a run of its own text:
    block quotes; paragraphs from one opening with a quote mark to the one closing with it;
    and long quotations inside a paragraph."""
    passages, i = [], 0
    while i < len(blocks):
        block = blocks[i]
        if block.role == QUOTE:
            j = i
            while j + 1 < len(blocks) and blocks[j + 1].role == QUOTE:
                j += 1
            passages.append(strip_marks("\n\n".join(b.text for b in blocks[i : j + 1])))
            i = j + 1
            continue
        closer = QUOTE_MARKS.get(block.text[:1])
        end = closing_paragraph(blocks, i, closer) if closer else None
        if end is not None:
            passages.append("\n\n".join(b.text for b in blocks[i : end + 1])[1:-1].strip())
            i = end + 1
            continue
        for match in INLINE_QUOTE_RE.finditer(block.text):
            quoted = next(g for g in match.groups() if g is not None).strip()
            if len(WORD_RE.findall(quoted)) >= INLINE_QUOTE_MIN_WORDS:
                passages.append(quoted)
        i += 1
    return [p for p in passages if p]


def closing_paragraph(blocks, start, closer):
    """The paragraph, from `start` on, that ends with `closer` (a quotation runs over a few
    paragraphs at most, and not into a block quote)."""
    opener = blocks[start].text[0]
    for j in range(start, min(start + 10, len(blocks))):
        text = blocks[j].text
        if blocks[j].role == QUOTE:
            return None
        inner = text[1:] if j == start else text
        if opener == closer == '"' and '"' in inner[:-1]:
            return None  # a quotation that closes inside the paragraph, then goes on
        if len(inner) > 1 and inner.endswith(closer):
            return j
    return None


def strip_marks(passage):
    closer = QUOTE_MARKS.get(passage[:1])
    if closer and len(passage) > 1 and passage.endswith(closer):
        return passage[1:-1].strip()
    return passage


def words_of(text):
    return WORD_RE.findall(text.casefold())


def agreement(excerpt, text):
    """How the excerpt agrees with a resolution's text, word by word (quote marks, case and
    line breaks aside): (share of the excerpt's words found in order, in words for the editor)."""
    quoted, adopted = words_of(excerpt), words_of(text)
    if not quoted or not adopted:
        return 0, ""
    joined_quoted, joined_adopted = " ".join(quoted), " ".join(adopted)
    if f" {joined_quoted} " in f" {joined_adopted} ":
        return 1, "its text holds the passage word for word"
    if f" {joined_adopted} " in f" {joined_quoted} ":
        return 1, "the passage holds its whole text"
    matcher = SequenceMatcher(None, quoted, adopted, autojunk=False)
    share = sum(block.size for block in matcher.get_matching_blocks()) / len(quoted)
    return share, f"{share:.0%} of the passage's words agree with its text"


def matching_resolutions(excerpt, limit=5):
    """Resolutions whose text agrees with the excerpt, best first. Candidates come from the
    resolutions' full-text index (the excerpt's first, middle and last words, each probe in
    every configuration the resolutions' languages use), then each is compared word by word."""
    words = WORD_RE.findall(excerpt)
    if len(words) < 4:
        return []
    middle = len(words) // 2
    probes = {" ".join(p) for p in (words[:8], words[middle - 4 : middle + 4], words[-8:])}
    languages = Resolution.objects.order_by().values_list("language", flat=True).distinct()
    configs = sorted({LANGUAGE_CONFIGS.get(code, FALLBACK_CONFIG) for code in languages})
    query = Q(pk__in=[])
    for probe in probes:
        for config in configs:
            query |= Q(search_vector=SearchQuery(probe, config=config, search_type="plain"))
    candidates = (
        Resolution.objects.filter(query)
        .select_related("congress")
        .only("key", "title", "text", "congress__name")[:50]
    )
    agreeing = defaultdict(list)
    for resolution in candidates:
        share, how = agreement(excerpt, resolution.text)
        if share >= AGREEMENT:
            agreeing[share].append(Guess(resolution, how))
    return [g for share in sorted(agreeing, reverse=True) for g in agreeing[share]][:limit]
