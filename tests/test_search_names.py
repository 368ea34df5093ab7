"""Search that reads names: an organisation or a topic named beside other words ("norway
trafficking") is offered as one-click filters ("By Norway", "To Norway", the topic), which take
the name's words out of the query, and the organisation's own statements rank first.

The corpus is small and hand-made; every expected set and order below is read off its texts
(who wrote each, to whom, which words it has), never computed by the search code."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from statements.models import Alias, Organisation, Statement, Topic
from statements.search import compile, service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_search_configs():
    compile.forget_configs()
    yield
    compile.forget_configs()


def statement(key, title, text, organisation, *, addressed_to=None, year=2015, topics=()):
    s = Statement.objects.create(
        key=key,
        title=title,
        text=text,
        organisation=organisation,
        addressed_to=addressed_to,
        status="published",
        language="en",
        kind="position_paper",
        date=datetime.date(year, 1, 1),
        date_precision="day",
    )
    s.topics.set(topics)
    return s


@pytest.fixture
def archive():
    norway = Organisation.objects.create(
        key="norway",
        name="Kingdom of Norway",
        short_name="Norway",
        native_name="Kongeriket Norge",
        country="NO",
        kind="government",
    )
    hrw = Organisation.objects.create(
        key="hrw", name="Human Rights Watch", short_name="HRW", kind="ngo"
    )
    thb = Topic.objects.create(key="thb", name="Trafficking in human beings")
    Alias.objects.create(topic=thb, name="human trafficking", position=0)
    # Norway's own statements name trafficking once, in long texts, and never "Norway".
    long_text = " ".join(["The ministry reviewed its budget, staff and buildings."] * 30)
    statement(
        "norway-plan",
        "National action plan",
        f"{long_text} The plan also covers trafficking.",
        norway,
        year=2014,
        topics=[thb],
    )
    shelters = f"{long_text} Shelters for victims of trafficking."
    statement("norway-shelters", "Report on shelters", shelters, norway, year=2016)
    # Others' statements to and about Norway say "trafficking" in their titles and often.
    statement(
        "to-norway",
        "Recommendations to Norway on trafficking",
        "Norway should fight trafficking. Trafficking victims need help.",
        hrw,
        addressed_to=norway,
        year=2017,
    )
    statement(
        "about-norway",
        "Trafficking in Norway and Sweden",
        "Trafficking in Norway grew; trafficking in Sweden fell.",
        hrw,
        year=2018,
        topics=[thb],
    )
    statement("norway-fish", "Fisheries policy", "Quotas for cod and herring.", norway)
    statement("spain", "Trafficking in Spain", "Trafficking of workers in Spain.", hrw)
    return {"norway": norway, "hrw": hrw, "thb": thb}


def keys(results):
    return [p.object.key for p in results.positions]


def chips(results):
    """{label: (path, query parameters)} of the name filters offered."""
    found = {}
    for chip in results.name_filters:
        parts = urlsplit(chip.url)
        found[chip.label] = (parts.path, parse_qs(parts.query))
    return found


NORWAYS_OWN = {"norway-plan", "norway-shelters"}
TO_OR_ABOUT = {"to-norway", "about-norway"}


@pytest.mark.parametrize(
    "q",
    ["norway trafficking", "trafficking Norway", "Kingdom of Norway trafficking",
     "kongeriket norge trafficking"],
)  # fmt: skip
def test_a_name_beside_words_ranks_its_own_statements_first(archive, q):
    found = keys(service.search_archive(q, base_url="/search/"))
    assert set(found) == NORWAYS_OWN | TO_OR_ABOUT
    assert set(found[:2]) == NORWAYS_OWN  # though the others say "trafficking" more often
    assert set(found[2:]) == TO_OR_ABOUT


def test_a_name_beside_words_offers_by_to_and_the_topic(archive):
    results = service.search_archive("norway trafficking", base_url="/search/")
    assert chips(results) == {
        "By Norway": ("/search/", {"q": ["trafficking"], "organisation": ["norway"]}),
        "To Norway": ("/search/", {"q": ["trafficking"], "addressed_to": ["norway"]}),
        # "trafficking" opens one topic's name: that topic, with "norway" left to search.
        "On Trafficking in human beings": ("/search/", {"q": ["norway"], "topic": ["thb"]}),
    }


def test_an_acronym_beside_words_is_offered_too(archive):
    assert set(chips(service.search_archive("HRW Spain", base_url="/search/"))) == {
        "By HRW",
        "To HRW",
    }


def test_a_bare_name_offers_no_chips(archive):
    assert service.search_archive("Norway", base_url="/search/").name_filters == []


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def result_keys(page):
    """The keys of the statements a results page lists, in order."""
    return re.findall(r'href="/statements/([\w-]+)/"', page.split('id="results"', 1)[1])


CHIP_RE = re.compile(r'<a class="chip" href="([^"]+)" rel="nofollow">([^<]+)</a>')
REMOVAL_RE = re.compile(
    r'<a class="chip" href="([^"]+)" rel="nofollow">'
    r'<span class="visually-hidden">Remove filter </span>Addressed to'
)


def chip_urls(page):
    return {
        html.unescape(label).strip(): html.unescape(url) for url, label in CHIP_RE.findall(page)
    }


def test_the_chips_are_links_on_the_page_and_each_narrows(client, archive):
    page = get(client, "/search/?q=norway+trafficking")
    links = chip_urls(page)
    assert set(links) == {"By Norway", "To Norway", "On Trafficking in human beings"}
    assert set(result_keys(get(client, links["By Norway"]))) == NORWAYS_OWN
    assert result_keys(get(client, links["To Norway"])) == ["to-norway"]
    # Tagged with the topic, and by Norway or saying "Norway".
    on_topic = get(client, links["On Trafficking in human beings"])
    assert set(result_keys(on_topic)) == {"norway-plan", "about-norway"}


def test_a_chip_keeps_the_other_filters_and_leaves_the_page(client, archive):
    page = get(client, "/search/?q=norway+trafficking&year_from=2016&sort=newest")
    url = chip_urls(page)["To Norway"]
    assert parse_qs(urlsplit(url).query) == {
        "q": ["trafficking"],
        "sort": ["newest"],
        "addressed_to": ["norway"],
        "year_from": ["2016"],
    }
    narrowed = get(client, url)
    assert result_keys(narrowed) == ["to-norway"]
    assert "Addressed to: Norway" in narrowed  # the chosen filter, with its removal link


def test_the_addressee_filter_can_be_removed(client, archive):
    page = get(client, "/search/?q=trafficking&addressed_to=norway")
    assert result_keys(page) == ["to-norway"]
    removal = REMOVAL_RE.search(page)
    widened = get(client, html.unescape(removal.group(1)))
    assert set(result_keys(widened)) == NORWAYS_OWN | TO_OR_ABOUT | {"spain"}


def test_the_positions_view_filters_by_addressee(client, archive):
    page = get(client, "/positions/?addressed_to=norway")
    assert set(re.findall(r'href="/statements/([\w-]+)/"', page)) == {"to-norway"}


def test_an_unknown_addressee_is_a_400(client, archive):
    response = client.get("/search/", {"q": "trafficking", "addressed_to": "nowhere"})
    assert response.status_code == 400
    assert "addressed_to=nowhere" in response.content.decode()


def test_names_are_escaped_in_the_chips(client, archive):
    Organisation.objects.create(
        key="evil", name="<b>Evil</b> Org", short_name="<i>EO</i>", kind="ngo"
    )
    page = get(client, "/search/?q=" + "%3Ci%3EEO%3C%2Fi%3E+trafficking")
    assert "<i>EO</i>" not in page
    assert "By &lt;i&gt;EO&lt;/i&gt;" in page
