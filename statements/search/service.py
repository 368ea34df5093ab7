"""The search: a query and the positions filters in, everything the search page shows out.

    results = search_archive("trafficking", request.GET, page=2, base_url="/search/")

It reads, checks and compiles the query (parse, compile), finds and ranks its matches under
the same PositionFilterSet as every list (retrieve), counts them and their facets exactly with
the same facet engine (positions.results), highlights the page's titles and passages
(headlines), and offers a correction when nothing is found (suggest)."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Q, Value
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.urls import reverse
from psycopg.errors import QueryCanceled

from ..models import Alias, Organisation, Topic, table
from ..positions.filterset import PositionFilterSet
from ..positions.listing import hydrate, ordered_facts
from ..positions.params import (
    canonical_params,
    canonical_query,
    count_cap,
    page_count,
    per_page,
)
from ..positions.results import Positions
from .compile import NAME_SQL, CompiledQuery, compile_query, expand_names, phrase_words
from .headlines import highlighted, passage_snippets, snippets, whole_text
from .parse import MAX_QUERY_CHARS, MAX_TERMS, WORD_RE, clean_query, normalise_name, parse_query
from .retrieve import (
    MATCH_TIMEOUT_MS,
    capped_ids,
    estimated_matches,
    find_matches,
    matched_filterset,
    rank_page,
)
from .suggest import confident, corrected_text, corrections

SEARCH_SORTS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}
SEARCH_DEFAULT_SORT = "relevance"
OWN_PARAMETERS = ("q", "sort", "page", "exact")  # the search's, beside the positions filters
ENTITY_LIMIT = 5


class SearchPageError(ValueError):
    """A page number that is not a positive whole number, or lies beyond the last page."""


@dataclass
class SearchResults:
    """Everything the search page shows."""

    raw: str
    text: str = ""  # the query as searched (cleaned, or corrected)
    message: str = ""  # why nothing was searched, when nothing was
    query: CompiledQuery | None = None
    sort: str = SEARCH_DEFAULT_SORT
    page_number: int = 1
    positions: list = field(default_factory=list)
    statements: int = 0
    resolutions: int = 0
    organisations: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    facets: list = field(default_factory=list)
    years: list = field(default_factory=list)
    corrected_from: str = ""  # the reader's query, when results are shown for a correction
    missing: str = ""  # the word left out, when results are shown without one of them
    suggestion: str = ""  # a correction offered as a link
    suggestion_count: int | None = None  # its results, counted as `count` is
    # One-click filters for the organisations and topics the query names beside other words.
    name_filters: list = field(default_factory=list)
    addressees: list = field(default_factory=list)  # addressed_to chosen: (organisation, url)
    phrases_unchecked: bool = False  # too many candidates to check its phrases word for word

    @property
    def count(self):
        return self.statements + self.resolutions

    @property
    def count_is_capped(self):
        return self.count > count_cap()

    @property
    def shown(self):
        """How many results the pages list: all of them, up to the cap."""
        return min(self.count, count_cap())

    @property
    def pages(self):
        return page_count(self.count)

    @property
    def searched(self):
        return self.query is not None

    @property
    def extra(self):
        return search_parameters(self.text, self.sort)


@dataclass
class NameFilter:
    """ "By Norway": the query's name words taken out of the query and made a filter."""

    label: str
    parameter: str  # organisation, addressed_to or topic
    url: str


def search_parameters(text, sort):
    """The search's own parameters that every facet and page link keeps."""
    return {"q": text, **({"sort": sort} if sort != SEARCH_DEFAULT_SORT else {})}


def prepare(raw):
    """(text, compiled query or None, message): read, check and compile a query."""
    text = clean_query(raw)
    if not text:
        return text, None, ""
    if len(text) > MAX_QUERY_CHARS:
        return (
            text,
            None,
            f"Your search is {len(text):,} characters long; searches are limited to "
            f"{MAX_QUERY_CHARS} characters. Shorten it to its key words.",
        )
    groups = parse_query(text)
    if not groups:
        return text, None, "Your search has no words in it. Type a word or two to search for."
    if sum(len(g) for g in groups) > MAX_TERMS:
        return (
            text,
            None,
            f"Your search has more than {MAX_TERMS} words or phrases. Keep the ones that "
            "matter most.",
        )
    groups = expand_names(groups, PositionFilterSet().topic_tree)
    query = compile_query(text, groups)
    if query.is_empty:
        positive = [t for g in groups for t in g if not t.negated]
        if not positive:
            return (
                text,
                None,
                "Your search only excludes words. Add a word to search for, such as "
                f"“trafficking {text}”.",
            )
        return (
            text,
            None,
            "Your search only has very common words (such as “the”, “of” or “and”), which "
            "the search leaves out. Add a more specific word, or quote a phrase.",
        )
    return text, query, ""


def filter_data(data):
    """The positions filters of a search's query string (its own parameters left out)."""
    data = data.copy() if data is not None else QueryDict(mutable=True)
    for name in OWN_PARAMETERS:
        data.pop(name, None)
    return data


def search_archive(raw, data=None, *, sort=SEARCH_DEFAULT_SORT, page=1, exact=False, base_url=""):
    """Search statements, resolutions, organisations and topics.

    `data` holds the positions view's filter parameters (a QueryDict), applied through the
    same PositionFilterSet; it raises InvalidFilters for a bad value. `exact` turns off the
    automatic correction of a misspelt query, and the search without one of its words when
    no text has them all. Raises SearchPageError for a bad page."""
    data = filter_data(data)
    results = corrected_search(raw, data, sort, page, exact, base_url)
    if results.searched and not results.count and not results.message and not exact:
        return without_one_word(results, data, page, base_url) or results
    return results


# A query of this many plain words or more that no text holds entire is searched without the
# word that stops it (a typo that is another word, say: "teas" for "teams"); up to the most,
# each left out in turn is a count.
FEWEST_WORDS_TO_LEAVE_ONE_OUT = 3
MOST_WORDS_TO_LEAVE_ONE_OUT = 6


def without_one_word(results, data, page, base_url):
    """The results for the reader's words less one, when all of them find nothing: of the
    words whose leaving out finds something, the one fewest texts have alone (most likely
    the misspelt one), as search engines show "Missing: word". None when there is none."""
    groups = results.query.groups
    plain = [g for g in groups if len(g) == 1 and not g[0].phrase and not g[0].negated]
    if not FEWEST_WORDS_TO_LEAVE_ONE_OUT <= len(plain) <= MOST_WORDS_TO_LEAVE_ONE_OUT:
        return None
    found = []
    for group in plain:
        text, query, _message = prepare(text_without(groups, group))
        if query is not None and (count := count_matches(query, data)):
            found.append((group[0], count, text, query))
    if not found:
        return None
    if len(found) > 1:  # usually one: leaving out a correct word still leaves the typo
        found.sort(key=lambda f: (texts_with(f[0], data), -f[1], f[0].text))
    term, _count, text, query = found[0]
    shown = SearchResults(raw=results.raw, sort=results.sort, text=text)
    run(shown, query, data, page, base_url)
    if not shown.count:
        return None
    shown.corrected_from, shown.missing = results.text, term.text
    return shown


def texts_with(term, data):
    """How many results one term has alone under the filters."""
    _text, query, _message = prepare(term.display)
    return (count_matches(query, data) or 0) if query is not None else 0


def corrected_search(raw, data, sort, page, exact, base_url):
    """The search of what was typed, or of its confident correction when that finds nothing."""
    sort = sort if sort in SEARCH_SORTS else SEARCH_DEFAULT_SORT
    results = SearchResults(raw=raw or "", sort=sort)
    text, query, message = prepare(raw)
    results.text, results.message = text, message
    if query is None:
        if text and not message:
            results.message = "Type a word or two to search for."
        # Still validate the filters: a bad filter is a 400 whatever the query.
        PositionFilterSet(data).filtered()
        return results

    run(results, query, data, page, base_url)
    if results.message:
        return results
    words = [
        w
        for g in query.groups
        for t in g
        if not t.negated and not t.organisation_ids and not t.topic_id
        for w in WORD_RE.findall(t.text)
    ]
    found = corrections(words)
    if not found:
        return results
    suggestion = corrected_text(text, found)
    _text, corrected_query, _message = prepare(suggestion)
    if corrected_query is None:
        return results
    suggested = None
    if results.count == 0 and confident(found) and not exact:
        attempt = SearchResults(raw=raw, sort=sort, text=suggestion)
        run(attempt, corrected_query, data, page, base_url)
        if attempt.count:
            attempt.corrected_from = text
            return attempt
        suggested = 0 if not attempt.message else None
    else:
        suggested = count_matches(corrected_query, data)
    # Offered beside what was found, with both counts, when it finds more (or when it could
    # not be counted in time).
    if suggested is None or suggested > results.count:
        results.suggestion, results.suggestion_count = suggestion, suggested
    return results


def count_matches(query, data):
    """How many results a query has under the filters, counted as a page's total is (None
    past the time limit)."""
    try:
        with search_transaction():
            find_matches(query)
            # A page's total is the number of facts under its selection: counted alone, without
            # the facets that a page also groups them by.
            return matched_filterset(query, data).facts().count()
    except OperationalError as error:
        if not ran_out_of_time(error):
            raise
        return None


@contextmanager
def search_transaction():
    """One transaction in which PostgreSQL is told to prefer the indexes: a text's vector is
    stored out of line (TOAST), so a sequential scan looks cheap to the planner on a table of
    long texts while it reads every vector. JIT compilation is off: the estimates of a scan of
    a large posting list cross its threshold, and compiling costs more than it saves. A time
    limit stops a search that would read too much (see MATCH_TIMEOUT_MS)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true),"
            " set_config('statement_timeout', %s, true)",
            [str(MATCH_TIMEOUT_MS)],
        )
        yield


def ran_out_of_time(error):
    """Whether an OperationalError is the search's time limit (PostgreSQL cancelled the
    query), not the database gone: that one is the 503 page's (statements/middleware.py)."""
    return isinstance(error.__cause__, QueryCanceled)


TOO_LONG = (
    "This search takes too long to answer exactly: its words are in a great many texts, and "
    "checking where they stand next to each other means reading them all. Add a rarer word, "
    "or search without the quotes."
)
TOO_MANY = (
    "This search takes too long to answer exactly: its words are in about {estimate:,} texts, "
    "and counting all of them by topic, organisation and year means reading them all. Add a "
    "rarer word, or choose a filter (a topic, an organisation, a year) to search within."
)


def too_long(query):
    """Why a search ran out of time, in the reader's terms."""
    estimate = estimated_matches(query)
    if any(t.phrase for g in query.groups for t in g) or estimate < count_cap():
        return TOO_LONG
    return TOO_MANY.format(estimate=estimate)


def run(results, query, data, page, base_url):
    """Run a compiled query into `results`."""
    try:
        with search_transaction():
            _run(results, query, data, page, base_url)
    except OperationalError as error:  # the time limit: a phrase of two common words, say
        if not ran_out_of_time(error):
            raise
        results.statements = results.resolutions = 0
        results.positions, results.facets, results.years = [], [], []
        results.message = too_long(query)


def search_facet(raw, data, name, *, sort=SEARCH_DEFAULT_SORT, base_url=""):
    """(query text, one facet with every value) under a search, or (text, None) when there is
    nothing to search; raises InvalidFilters for a bad filter, OperationalError past the
    time limit."""
    data = filter_data(data)
    text, query, _message = prepare(raw)
    if query is None:
        PositionFilterSet(data).filtered()
        return text, None
    with search_transaction():
        find_matches(query)
        positions = Positions(matched_filterset(query, data))
        return text, positions.facet(name, base_url, search_parameters(text, sort))


def page_number(page, pages):
    try:
        number = int(page)
    except (TypeError, ValueError):
        raise SearchPageError("A page is a whole number from 1.") from None
    if number < 1 or number > pages:
        raise SearchPageError(
            "There is no such page: pages run from 1" + (f" to {pages}." if pages > 1 else ".")
        )
    return number


def _run(results, query, data, page, base_url):
    results.query = query
    results.phrases_unchecked = not find_matches(query)
    matched = matched_filterset(query, data)
    positions = Positions(matched)
    results.statements, results.resolutions = positions.counts
    results.page_number = number = page_number(page, results.pages)
    offset = (number - 1) * per_page()
    limit = max(0, min(per_page(), results.shown - offset))  # the last page ends at the cap
    if results.sort == "relevance":
        rows = ranked(query, data, positions, offset, limit)
    else:
        rows = list(ordered_facts(positions.facts, results.sort)[offset : offset + limit])
    results.positions = hydrate(rows)
    found = snippets(query, rows)
    phrases = [phrase_words(t) for g in query.groups for t in g if phrase_words(t)]
    for position in results.positions:
        title, paragraph, body = found.get((position.type, position.object.pk), ("", None, ""))
        position.title_html = highlighted(title) if title else position.object.title
        position.snippets = passage_snippets(position.object.text, paragraph, body, phrases)
        short = position.object.short_text
        position.text_html = whole_text(short, body, phrases) if short else ""
    results.facets = positions.facets(base_url, results.extra, full_list_url=facet_list_url)
    results.years = [
        {
            "year": year,
            "count": count,
            "selected": positions.is_year_selected(year),
            "url": base_url + canonical_query(positions.year_params(year), results.extra),
        }
        for year, count in sorted(positions.engine.per_year()[0].items(), reverse=True)
    ]
    entities(results, query)
    offer_name_filters(results, query, data, base_url)


def text_without(groups, named):
    """The query's text less one group (a name it gives), its syntax kept."""
    return " ".join(" OR ".join(t.display for t in g) for g in groups if g is not named)


def offer_name_filters(results, query, data, base_url):
    """For an organisation the query names beside other words ("norway trafficking"): its
    statements ("by Norway", the organisation filter) and those addressed to it ("to
    Norway"); for a topic, the topic filter. Each link takes the name's words out of the
    query and keeps every other filter."""
    params = canonical_params(data)
    chosen = {name: set(params.get(name, ())) for name in ("organisation", "addressed_to")}
    results.addressees = [
        (organisation, base_url + canonical_query(
            {**params, "addressed_to": sorted(chosen["addressed_to"] - {organisation.key})},
            results.extra,
        ))
        for organisation in Organisation.objects.filter(key__in=chosen["addressed_to"])
        .order_by("name")
    ]  # fmt: skip
    positive = [t for g in query.groups for t in g if not t.negated]
    if len(positive) < 2:
        return  # a bare name: the organisations and topics above the results say it

    def link(label, parameter, value, group):
        values = sorted({*params.get(parameter, ()), value})
        url = base_url + canonical_query(
            {**params, parameter: values},
            search_parameters(text_without(query.groups, group), results.sort),
        )
        return NameFilter(label, parameter, url)

    named = [g for g in query.groups if len(g) == 1 and not g[0].negated]
    by_id = Organisation.objects.in_bulk([i for g in named for i in g[0].organisation_ids])
    topics = Topic.objects.in_bulk([g[0].topic_id for g in named if g[0].topic_id])
    for group in named:
        term = group[0]
        for organisation_id in term.organisation_ids:
            organisation = by_id[organisation_id]
            if organisation.key in chosen["organisation"] | chosen["addressed_to"]:
                continue
            results.name_filters += [
                link(f"By {organisation.label}", "organisation", organisation.key, group),
                link(f"To {organisation.label}", "addressed_to", organisation.key, group),
            ]
        if term.topic_id and topics[term.topic_id].key not in params.get("topic", ()):
            topic = topics[term.topic_id]
            results.name_filters.append(link(f"On {topic.name}", "topic", topic.key, group))


def ranked(query, data, positions, offset, limit):
    """(type, id) rows of the matches by relevance, from `offset`: one stable ranking of
    every match up to the cap (above it, title and summary matches first)."""
    candidates = {"statement": positions.statements, "resolution": positions.resolutions}
    heads = None
    for kind, queryset, total in zip(
        candidates, candidates.values(), positions.counts, strict=True
    ):
        if total <= count_cap():
            continue
        if heads is None and query.head_is_match:
            heads = dict(
                zip(
                    candidates,
                    matched_filterset(query, data, "search_head").filtered(),
                    strict=True,
                )
            )
        head = heads[kind] if heads else None
        candidates[kind] = capped_ids(queryset, head)
    return rank_page(query, candidates, offset, limit)


@contextmanager
def search_matches(raw, data, sort=SEARCH_DEFAULT_SORT):
    """For a download: the search's Positions (its matches under the filters) and its rows in
    order, inside the search's transaction (the matches live in a temporary table there):
    by relevance the ranked matches up to the cap, as the pages list them; by date every
    match. (None, []) when there is nothing to search. Raises InvalidFilters."""
    data = filter_data(data)
    _text, query, _message = prepare(raw)
    if query is None:
        PositionFilterSet(data).filtered()
        yield None, []
        return
    with search_transaction():
        find_matches(query)
        positions = Positions(matched_filterset(query, data))
        if sort == "relevance":
            rows = ranked(query, data, positions, 0, count_cap())
        else:
            rows = ordered_facts(positions.facts, sort).iterator(chunk_size=2000)
        yield positions, rows


def facet_list_url(name):
    return reverse("search-facet", args=[name])


def entities(results, query):
    """Organisations and topics the query names: by acronym or name (LO, ITUC), or whose
    names contain all its words."""
    organisation_ids = {
        i for g in query.groups for t in g if not t.negated for i in t.organisation_ids
    }
    topic_ids = {t.topic_id for g in query.groups for t in g if t.topic_id and not t.negated}
    words = normalise_name(" ".join(t.text for g in query.groups for t in g if not t.negated))
    if not words:
        return
    contains = f"%{words}%"

    def name_contains(model, column="name"):
        sql = f"{NAME_SQL.format(f'{table(model)}.{column}')} LIKE %s"
        return Q(RawSQL(sql, [contains], output_field=BooleanField()))

    organisations = Organisation.objects.filter(
        Q(pk__in=organisation_ids) | name_contains(Organisation)
    )
    results.organisations = list(organisations.order_by("name")[:ENTITY_LIMIT])
    aliased = Alias.objects.filter(name_contains(Alias)).values("topic_id")
    topics = Topic.objects.filter(
        Q(pk__in=topic_ids) | name_contains(Topic) | Q(pk__in=aliased)
    ).annotate(
        alias_names=ArrayAgg(
            "aliases__name",
            filter=Q(aliases__isnull=False),
            order_by=("aliases__position", "aliases__id"),
            default=Value([]),
        )
    )
    results.topics = list(topics.order_by("name")[:ENTITY_LIMIT])
