"""The open data: the JSON API, the CSV and JSON Lines downloads, the Atom feeds and the links
to them. Lists must give what the pages give (the same items, order and totals); drafts must
appear nowhere; bad input is a 400 that names the parameter. Expected items come from the
builder's plain records, or from the pages themselves for the correspondence."""

import csv
import io
import json
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from statements.models import Statement
from tests.browser.builders import ORGANISATIONS, build_archive, expected_keys
from tests.test_interchange_support import corpus_slice, empty_archive

pytestmark = pytest.mark.django_db
SELECTIONS = [
    {},
    {"topic": ["trafficking"]},
    {"topic": ["labour-rights"], "sort": ["oldest"]},
    {"organisation": ["lo"]},
    {"topic": ["trafficking"], "organisation": ["lo", "tuc"]},
    {"country": ["GB"], "sort": ["title"]},
    {"type": ["resolution"]},
    {"organisation": ["lo"], "year_from": ["2009"], "year_to": ["2012"], "sort": ["oldest"]},
    {"topic": ["trafficking"], "also_topic": ["labour-rights"]},
    {"language": ["no"], "sort": ["title"]},
]


@pytest.fixture
def archive():
    return build_archive()


def query(selection):
    return "&".join(f"{k}={v}" for k, values in selection.items() for v in values)


def page_walk(client, url):
    """(keys in order, total) of a page list, across its pages."""
    keys, number = [], 1
    while True:
        more = ("&" if "?" in url else "?") + f"page={number}" if number > 1 else ""
        response = client.get(url + more)
        assert response.status_code == 200
        keys += [p.object.key for p in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return keys, response.context["count"]
        number += 1


def api_walk(client, url):
    """(keys in order, total, the responses) of an API list, following `next`."""
    keys, answers = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        answers.append(data)
        keys += [item["key"] for item in data["results"]]
        url = data["next"]
    return keys, answers[0].get("count"), answers


@override_settings(POSITIONS_PER_PAGE=2)
@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: query(s) or "all")
def test_the_api_lists_what_the_page_lists(client, archive, selection):
    """Walked by its `next` links (a cursor in the date orders), the API gives the page's items
    in the page's order with its total; and page N of both holds the same items."""
    q = query(selection)
    page_keys, page_total = page_walk(client, f"/positions/?{q}")
    api_keys, api_total, answers = api_walk(client, f"/api/positions/?{q}")
    filters = {k: v for k, v in selection.items() if k != "sort"}
    assert sorted(page_keys) == sorted(expected_keys(archive.items, **filters))
    assert api_keys == page_keys
    assert api_total == page_total == len(page_keys)
    assert len(set(api_keys)) == len(api_keys)
    numbered = client.get(f"/api/positions/?{q}&page=2")
    if len(page_keys) > 2:
        assert [i["key"] for i in numbered.json()["results"]] == page_keys[2:4]
    else:  # no second page, on the site or here
        assert numbered.status_code == 400
    first = answers[0]
    assert urlsplit(first["page_url"]).path == "/positions/"
    if len(answers) > 1 and selection.get("sort") != ["title"]:
        assert "cursor=" in first["next"]


def test_a_topic_page_and_a_permalink_match_their_api_urls(client, archive):
    topic_page = client.get("/topics/trafficking/?country=NO")
    api = client.get("/api/positions/?topic=trafficking&country=NO").json()
    assert [p.object.key for p in topic_page.context["page"].object_list] == [
        i["key"] for i in api["results"]
    ]
    assert topic_page.context["count"] == api["count"]
    permalink = client.get("/organisations/lo/topics/trafficking/")
    api = client.get("/api/positions/?organisation=lo&topic=trafficking").json()
    assert [p.object.key for p in permalink.context["page"].object_list] == [
        i["key"] for i in api["results"]
    ]


def test_api_items_carry_their_page_and_the_page_links_the_api(client, archive):
    item = client.get("/api/positions/?organisation=lo").json()["results"][0]
    assert client.get(urlsplit(item["url"]).path).status_code == 200
    assert client.get(urlsplit(item["api_url"]).path).json()["key"] == item["key"]
    html = client.get("/topics/trafficking/?country=NO").content.decode()
    for link, media_type in [
        ("/api/positions/?topic=trafficking&amp;country=NO", "application/json"),
        ("/downloads/positions.csv?topic=trafficking&amp;country=NO", "text/csv"),
        ("/downloads/positions.jsonl?topic=trafficking&amp;country=NO", "application/x-ndjson"),
        ("/feeds/positions/?topic=trafficking&amp;country=NO", "application/atom+xml"),
    ]:
        assert f'<link rel="alternate" type="{media_type}" href="{link}"' in html
        assert f'<a href="{link}" type="{media_type}"' in html
    for page in ("/organisations/lo/", "/search/?q=trafficking", "/positions/"):
        html = client.get(page).content.decode()
        for label in ("Download CSV", "JSON Lines", "API", "Feed"):
            assert f">{label}</a>" in html, (page, label)


def test_the_objects_and_their_links(client, archive):
    lo = client.get("/api/organisations/lo/").json()
    tuc = client.get("/api/organisations/tuc/").json()
    ituc = client.get("/api/organisations/ituc/").json()
    # The builder makes LO and TUC members of the ITUC: seen from both sides.
    for member in (lo, tuc):
        assert ("member_of", "ituc") in {
            (a["relation"], a["target"]) for a in member["affiliations"]
        }
    assert {(a["organisation"], a["relation"]) for a in ituc["affiliates"]} == {
        ("lo", "member_of"),
        ("tuc", "member_of"),
    }
    topic = client.get("/api/topics/trafficking/").json()
    assert topic["aliases"] == ["THB", "human trafficking"]
    assert client.get("/api/topics/child-labour/").json()["parent"] == "labour-rights"
    assert "child-labour" in client.get("/api/topics/labour-rights/").json()["children"]
    congress = client.get("/api/congresses/lo-congress-2009/").json()
    assert congress["resolutions"] == ["lo-2009-child", "lo-2009-poverty"]
    resolution = client.get("/api/resolutions/lo-2009-poverty/").json()
    assert [q["statement"] for q in resolution["quoted_in"]] == ["lo-answer"]  # not the draft
    statement = client.get("/api/statements/lo-answer/").json()
    assert statement["date"] == "2009"
    assert statement["addressed_to"] == "antislavery"
    assert statement["paragraphs"][0].startswith("LO is very concerned")
    assert statement["quotations"] == [
        {"resolution": "lo-2009-poverty", "excerpt": "The labour movement fights poverty."}
    ]
    keys, _total, _answers = api_walk(client, "/api/statements/?page_size=3")
    assert keys == sorted(expected_keys(archive.items, type=["statement"]))
    resolutions, _t, _a = api_walk(client, "/api/resolutions/?topic=poverty")
    assert resolutions == sorted(
        expected_keys(archive.items, topic=["poverty"], type=["resolution"])
    )
    norwegian, _t, _a = api_walk(client, "/api/organisations/?country=NO")
    assert norwegian == sorted(k for k, o in ORGANISATIONS.items() if o[2] == "NO")
    congresses, _t, _a = api_walk(client, "/api/congresses/")
    assert congresses == ["lo-congress-2009", "tuc-congress-2015"]
    root = client.get("/api/").json()
    assert all(client.get(urlsplit(u).path).status_code == 200 for u in root.values())
    topics, _t, _a = api_walk(client, "/api/topics/?page_size=2")
    assert len(topics) == len(set(topics)) and "trafficking" in topics


def test_drafts_appear_nowhere(client, archive):
    assert Statement.objects.filter(key="lo-draft", status="draft").exists()
    assert client.get("/api/statements/lo-draft/").status_code == 404
    for url in [
        "/api/statements/?organisation=lo",
        "/api/positions/?organisation=lo&page_size=100",
        "/api/search/?q=trafficking",
        "/api/resolutions/lo-2009-poverty/",
        "/downloads/positions.csv?organisation=lo",
        "/downloads/positions.jsonl?organisation=lo",
        "/downloads/search.csv?q=trafficking",
        "/downloads/search.jsonl?q=trafficking",
        "/feeds/positions/?organisation=lo",
        "/feeds/search/?q=trafficking",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"lo-draft" not in body, url


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/positions/?topic=no-such-topic", "topic"),
        ("/api/positions/?year_from=20x9", "year_from"),
        ("/api/positions/?year_from=2012&year_to=2009", "year_to"),
        ("/api/positions/?page_size=500", "page_size"),
        ("/api/positions/?page_size=0", "page_size"),
        ("/api/positions/?page=0", "page"),
        ("/api/positions/?page=501", "page"),
        ("/api/positions/?topic=trafficking&page=9", "page"),  # beyond the last page
        ("/api/positions/?cursor=forged", "cursor"),
        ("/api/positions/?sort=title&cursor=WyJuZXdlc3QiLG51bGwsInN0YXRlbWVudCIsMV0", "cursor"),
        ("/api/positions/?sort=sideways", "sort"),
        ("/api/statements/?cursor=forged", "cursor"),
        ("/api/statements/?country=XX", "country"),
        ("/api/organisations/?kind=club", "kind"),
        ("/api/search/?q=x&sort=sideways", "sort"),
        ("/api/search/?q=trafficking&page=99", "page"),
        ("/api/search/?q=trafficking&topic=nothing", "topic"),
    ],
)
def test_bad_input_is_a_400_that_names_the_parameter(client, archive, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert parameter in [e["parameter"] for e in response.json()["errors"]]


def test_a_cursor_is_tied_to_its_sort(client, archive):
    following = client.get("/api/positions/?page_size=2&sort=oldest").json()["next"]
    assert "cursor=" in following
    response = client.get(following.replace("sort=oldest", "sort=newest"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "cursor"
    edited = following[:-3] + ("AAA" if not following.endswith("AAA") else "BBB")
    assert client.get(edited).status_code == 400


def test_unchanged_answers_are_304_until_the_archive_changes(client, archive):
    first = client.get("/api/positions/?topic=trafficking")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert (
        client.get("/api/positions/?topic=trafficking", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    assert client.get("/downloads/positions.csv", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/feeds/positions/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    Statement.objects.filter(key="lo-answer").update(title="A new title")
    again = client.get("/api/positions/?topic=trafficking", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag
    assert "A new title" in again.content.decode()


def test_cors_is_open_for_reading(client, archive):
    response = client.get("/api/topics/", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    page = client.get("/topics/", HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in page


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_csv_download_is_the_list_in_a_spreadsheet(client, archive):
    Statement.objects.filter(key="lo-press").update(title='=HYPERLINK("http://evil")')
    response = client.get("/downloads/positions.csv?organisation=lo&sort=oldest")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    page_keys, _total = page_walk(client, "/positions/?organisation=lo&sort=oldest")
    assert [r["key"] for r in rows] == page_keys
    assert list(rows[0]) == [
        "type", "key", "title", "organisation", "organisation_name", "country",
        "organisation_kind", "kind", "date", "year", "language", "topics", "congress",
        "addressed_to", "summary", "text", "url",
    ]  # fmt: skip
    by_key = {r["key"]: r for r in rows}
    assert by_key["lo-press"]["title"] == '\'=HYPERLINK("http://evil")'
    answer = by_key["lo-answer"]
    assert answer["addressed_to"] == "antislavery" and answer["date"] == "2009"
    assert answer["text"] == Statement.objects.get(key="lo-answer").text
    poverty = by_key["lo-2009-poverty"]
    assert poverty["topics"] == "poverty; trafficking" and poverty["congress"] == "lo-congress-2009"
    search = csv_rows(client.get("/downloads/search.csv?q=trafficking&sort=newest"))
    page = client.get("/search/?q=trafficking&sort=newest")
    assert [r["key"] for r in search] == [p.object.key for p in page.context["results"].positions]


def test_a_jsonl_download_imports_into_an_empty_archive_and_exports_back(client, archive, tmp_path):
    response = client.get("/downloads/positions.jsonl")
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    first = b"".join(response.streaming_content)
    types = {json.loads(line)["type"] for line in first.splitlines()}
    assert types == {"organisation", "affiliation", "topic", "congress", "resolution",
                     "statement", "quotation"}  # fmt: skip
    empty_archive()
    path = tmp_path / "download.jsonl"
    path.write_bytes(first)
    call_command("import_archive", str(path), verbosity=0)
    again = b"".join(client.get("/downloads/positions.jsonl").streaming_content)
    assert again == first
    narrow = b"".join(client.get("/downloads/positions.jsonl?topic=poverty").streaming_content)
    statements = [json.loads(x) for x in narrow.splitlines() if b'"statement"' in x[:25]]
    assert sorted(s["key"] for s in statements) == sorted(
        k for k in expected_keys(archive.items, topic=["poverty"], type=["statement"])
    )


@pytest.mark.parametrize(
    "path",
    [
        "/downloads/positions.csv?organisation=lo",
        "/downloads/positions.jsonl?organisation=lo",
        "/downloads/search.csv?q=trafficking",
        "/downloads/search.jsonl?q=trafficking",
    ],
)
def test_a_head_request_does_not_compute_the_download(rf, archive, path):
    # The view as a server calls it (the test client would drop the body unread): gunicorn
    # iterates a HEAD's body before discarding it, so the body must be empty from the start.
    match = resolve(urlsplit(path).path)
    answers = {}
    for method in ("GET", "HEAD"):
        request = rf.generic(method, path)
        with CaptureQueriesContext(connection) as queries:
            response = match.func(request)
            body = b"".join(response.streaming_content)
        answers[method] = response, body, len(queries)
    (get, get_body, get_queries), (head, head_body, head_queries) = answers.values()
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head["Content-Disposition"] == get["Content-Disposition"]
    assert head["ETag"] == get["ETag"]
    assert b"lo-answer" in get_body and head_body == b""
    assert head_queries < get_queries


def test_feeds_are_atom_with_the_newest_arrivals(client, archive):
    response = client.get("/feeds/positions/?topic=trafficking")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title.startswith("New positions on Trafficking in human beings")
    links = {urlsplit(e.link).path for e in feed.entries}
    assert links == {
        f"/{'statements' if i.type == 'statement' else 'resolutions'}/{i.key}/"
        for i in archive.items
        if i.key in expected_keys(archive.items, topic=["trafficking"])
    }
    newest = Statement.objects.get(key="lo-answer")
    newest.title = "Arrived last"
    newest.save()
    Statement.objects.filter(pk=newest.pk).update(created=newest.updated)
    first = feedparser.parse(client.get("/feeds/positions/?topic=trafficking").content).entries[0]
    assert first.title == "LO: Arrived last"
    search = feedparser.parse(client.get("/feeds/search/?q=poverty").content)
    assert not search.bozo and search.entries
    assert client.get("/feeds/positions/?topic=nothing").status_code == 400


def test_the_schema(client, archive):
    """(Its documentation page: tests/test_api_docs.py.)"""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/positions/", "/api/search/", "/api/statements/{key}/"} <= set(schema["paths"])
    names = {p["name"] for p in schema["paths"]["/api/positions/"]["get"]["parameters"]}
    assert {"topic", "also_topic", "organisation", "year_from", "cursor", "page_size"} <= names


def test_the_search_api_is_the_search_page(client, archive):
    page = client.get("/search/?q=trafficking")
    api = client.get("/api/search/?q=trafficking").json()
    assert api["count"] == page.context["results"].count
    assert [h["key"] for h in api["results"]] == [
        p.object.key for p in page.context["results"].positions
    ]
    assert any("<mark>" in s["html"] for h in api["results"] for s in h["snippets"])


@pytest.mark.corpus
def test_downloads_of_a_corpus_slice(client, tmp_path):
    """Real UPR recommendations: the CSV has a row per public position of the list, and the
    JSON Lines download imports into an empty archive and downloads back identical."""
    path = tmp_path / "slice.jsonl"
    path.write_text(corpus_slice("upr-recommendations.jsonl.gz", 300), encoding="utf-8")
    call_command("import_archive", str(path), verbosity=0)
    published = Statement.objects.filter(status="published")
    rows = csv_rows(client.get("/downloads/positions.csv?type=statement"))
    assert sorted(r["key"] for r in rows) == sorted(published.values_list("key", flat=True))
    first = b"".join(client.get("/downloads/positions.jsonl").streaming_content)
    empty_archive()
    path.write_bytes(first)
    call_command("import_archive", str(path), verbosity=0)
    assert b"".join(client.get("/downloads/positions.jsonl").streaming_content) == first
