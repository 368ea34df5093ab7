"""Cards that read well: a short text's card leads with its text, an organisation's page lists
its recent positions (not every title) and links to all of them, and the home page lists no
title twice."""

import datetime
import re
from html import unescape

import pytest

from statements.models import Organisation, Statement, Topic
from tests.browser.builders import build_archive

pytestmark = pytest.mark.django_db

UPR_TITLE = "UPR recommendation by Norway to Ruritania (session 40)"
RECOMMENDATIONS = [
    "Ratify the ILO Forced Labour Protocol.",
    "Adopt a national action plan against trafficking in human beings.",
    "Protect the freedom of association of domestic workers.",
]


@pytest.fixture
def archive():
    return build_archive()


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def plain(fragment):
    """The text a reader sees of an HTML fragment: tags dropped, entities read, spaces joined."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def cards(html):
    return re.findall(r'<article class="result.*?</article>', html, re.S)


def card_of(html, key):
    found = [c for c in cards(html) if f'href="/statements/{key}/"' in c]
    assert len(found) == 1, key
    return found[0]


def heading(card):
    """The card's heading as read: inline marks (<mark>) add no space."""
    inner = re.search(r"<h3[^>]*>(.*?)</h3>", card, re.S).group(1)
    return plain(re.sub(r"</?mark>", "", inner))


def test_a_short_texts_card_leads_with_its_text(client, archive):
    for number, text in enumerate(RECOMMENDATIONS):
        archive.statement(
            f"upr-{number}", "lo", datetime.date(2022, 11, 10), "day", ["trafficking"],
            "other", title=UPR_TITLE, text=text,
        )  # fmt: skip
    html = html_of(client, "/positions/?organisation=lo")
    for number, text in enumerate(RECOMMENDATIONS):
        card = card_of(html, f"upr-{number}")
        assert heading(card) == text
        # The shared title is still there, after the text, as its source.
        seen = plain(card)
        assert UPR_TITLE in seen and seen.index(text) < seen.index(UPR_TITLE)
    # A text of several paragraphs still leads with its title, its opening below it.
    long = card_of(html, "lo-answer")
    assert heading(long) == "Statement lo-answer"
    assert "LO is very concerned" in plain(long)


def test_a_text_of_one_long_paragraph_leads_with_its_title(client, archive):
    words = " ".join(f"word{n}" for n in range(61))
    archive.statement(
        "long-one", "lo", datetime.date(2022, 1, 1), "year", title=UPR_TITLE, text=words
    )
    card = card_of(html_of(client, "/positions/?organisation=lo"), "long-one")
    assert heading(card) == UPR_TITLE


def test_a_short_texts_search_result_leads_with_its_whole_text_highlighted(client, archive):
    for number, text in enumerate(RECOMMENDATIONS):
        archive.statement(f"upr-{number}", "lo", title=UPR_TITLE, text=text)
    html = html_of(client, "/search/?q=trafficking")
    card = card_of(html, "upr-1")
    # The whole recommendation is the heading, with the searched word marked in it.
    assert heading(card) == RECOMMENDATIONS[1]
    assert "against <mark>trafficking</mark>" in card
    seen = plain(re.sub(r"</?mark>", "", card))
    assert UPR_TITLE in seen and seen.index(RECOMMENDATIONS[1]) < seen.index(UPR_TITLE)
    # Not shown a second time as a passage below it.
    assert seen.count("national action plan") == 1
    # The other recommendations do not hold the word.
    assert 'href="/statements/upr-0/"' not in html


def test_a_quoted_phrase_is_marked_in_a_short_texts_search_result(client, archive):
    archive.statement("upr-0", "lo", title=UPR_TITLE, text=RECOMMENDATIONS[0])
    card = card_of(html_of(client, '/search/?q="forced labour protocol"'), "upr-0")
    assert heading(card) == RECOMMENDATIONS[0]
    assert "<mark>Forced Labour Protocol</mark>" in card


def test_a_long_texts_search_result_leads_with_its_title_and_passages(client, archive):
    archive.statement(
        "long-answer", "lo", title="Answer on trafficking",
        text="An opening paragraph.\n\nWe ask for a plan against trafficking in human beings.",
    )  # fmt: skip
    card = card_of(html_of(client, "/search/?q=plan"), "long-answer")
    assert heading(card) == "Answer on trafficking"
    assert "¶2" in card and "<mark>plan</mark>" in card


def test_a_large_organisations_page_lists_its_recent_positions_and_links_to_all(client, archive):
    big = Organisation.objects.create(key="big", name="Big Federation", kind="ngo")
    topics = [Topic.objects.create(key=f"topic-{n:02d}", name=f"Topic {n:02d}") for n in range(30)]
    dates = {}
    for n in range(120):
        key = f"big-{n:03d}"
        dates[key] = datetime.date(1950 + n % 70, 1 + n % 12, 1 + n % 28)
        statement = Statement.objects.create(
            key=key, organisation=big, title=f"Position paper number {n:03d}",
            text=f"Opening of {key}.\n\nMore of {key}.", date=dates[key], date_precision="day",
            status="published",
        )  # fmt: skip
        statement.topics.set([topics[n % 30], topics[(n * 7) % 30]])
    html = html_of(client, "/organisations/big/")
    titles = re.findall(r"Position paper number \d{3}", html)
    newest = sorted(dates, key=lambda k: (dates[k], k), reverse=True)[:8]
    listed = re.findall(r'href="/statements/(big-\d{3})/"', html)
    # The eight newest, newest first, and no other title: not 120 of them.
    assert listed == newest
    assert len(titles) == 8
    assert '<a href="/positions/?organisation=big">All positions of Big Federation' in html
    assert "(120)" in html
    # Every topic still one link away, at its permalink.
    for topic in topics:
        assert f'href="/organisations/big/topics/{topic.key}/"' in html
    # The link lands on all 120, newest first.
    response = client.get("/positions/?organisation=big")
    assert response.context["count"] == 120


def test_an_organisation_page_shows_a_short_text_by_its_text(client, archive):
    archive.statement(
        "upr-lo", "lo", datetime.date(2023, 1, 1), "year", title=UPR_TITLE, text=RECOMMENDATIONS[0]
    )
    html = html_of(client, "/organisations/lo/")
    assert f'<a href="/statements/upr-lo/">{RECOMMENDATIONS[0]}</a>' in html


def recent_labels(html):
    section = re.search(r'<section aria-labelledby="home-recent">(.*?)</section>', html, re.S)
    return [plain(a) for a in re.findall(r"<li><a [^>]*>(.*?)</a>", section.group(1), re.S)]


def test_the_home_page_lists_no_title_twice(client, archive):
    for number, text in enumerate(RECOMMENDATIONS):
        archive.statement(f"upr-{number}", "lo", title=UPR_TITLE, text=text)
    # Two long answers under one title, and a copy of the first (imported twice).
    first = "The first answer opens here.\n\nIt goes on."
    archive.statement("answer-a", "tuc", title="Answer to the consultation", text=first)
    archive.statement(
        "answer-b", "tuc", title="Answer to the consultation", text="Another opening.\n\nMore."
    )
    archive.statement("answer-a-copy", "tuc", title="Answer to the consultation", text=first)
    labels = recent_labels(html_of(client, "/"))
    assert len(labels) == 8
    assert len(set(labels)) == len(labels), labels
    assert set(RECOMMENDATIONS) <= set(labels)
    assert "Answer to the consultation: Another opening." in labels
    # The copy is left out: the newest of the two is listed, the other not.
    html = html_of(client, "/")
    assert 'href="/statements/answer-a-copy/"' in html
    assert 'href="/statements/answer-a/"' not in html
