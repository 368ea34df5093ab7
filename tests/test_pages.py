"""The public pages: home, topics, organisations, statements, congresses, resolutions; drafts
hidden everywhere; unknown slugs give the 404 page."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape

from statements.models import Organisation, Resolution, Statement, Topic
from tests.browser.builders import TOPICS, build_archive, descendants, expected_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return build_archive()


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_base_template_landmarks(client, archive):
    html = page(client, "/topics/trafficking/")
    assert '<html lang="en">' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<nav aria-label="Main"' in html
    assert '<nav aria-label="Breadcrumb"' in html
    assert '<main id="main"' in html and "<footer" in html
    assert '<search class="site-search">' in html
    assert 'action="/search/"' in html and 'name="q"' in html
    assert '<label for="site-search-q">' in html
    assert "<title>Trafficking in human beings · Policy archive</title>" in html
    assert '<a href="/topics/" aria-current="page">Topics</a>' in html


def test_home(client, archive):
    html = page(client, "/")
    assert "<h1>Policy archive</h1>" in html
    assert 'href="/topics/trafficking/"' in html
    assert 'href="/statements/lo-answer/"' in html
    assert "Draft answer that must stay hidden" not in html
    published = sum(1 for i in archive.items if i.type == "statement" and i.status == "published")
    assert f"{published} statements" in html


def test_topic_index_counts_include_sub_topics(client, archive):
    html = page(client, "/topics/")
    for key, name in [
        ("labour-rights", "Labour rights"),
        ("trafficking", "Trafficking in human beings"),
    ]:
        statements = len(expected_keys(archive.items, topic=[key], type=["statement"]))
        resolutions = len(expected_keys(archive.items, topic=[key], type=["resolution"]))
        snippet = (
            f'<a href="/topics/{key}/">{name}</a>\n    <span class="counts">'
            f"{statements} statement{'s' if statements != 1 else ''} · "
            f"{resolutions} resolution{'s' if resolutions != 1 else ''}</span>"
        )
        assert snippet in html
    # labour-rights: its own statement plus those on child and forced labour (no draft).
    assert (
        '<a href="/topics/labour-rights/">Labour rights</a>\n    '
        '<span class="counts">4 statements · 2 resolutions' in html
    )


def test_topic_page(client, archive):
    response = client.get("/topics/trafficking/")
    html = response.content.decode()
    assert "<h1>Trafficking in human beings</h1>" in html
    assert '<span class="alias">THB</span>' in html and "human trafficking" in html
    assert 'href="/topics/forced-labour/">Forced labour</a>' in html  # related
    keys = [p.object.key for p in response.context["page"].object_list]
    assert keys == ["lo-2009-poverty", "lo-answer", "tuc-paper"]  # newest first, undated last
    assert "lo-draft" not in html
    assert 'class="timeline"' in html


def test_topic_page_shows_sub_topics_and_their_positions(client, archive):
    response = client.get("/topics/labour-rights/")
    html = response.content.decode()
    assert 'href="/topics/child-labour/">Child labour</a>' in html
    keys = {p.object.key for p in response.context["page"].object_list}
    assert keys == expected_keys(archive.items, topic=["labour-rights"])


def test_organisation_index_filters(client, archive):
    response = client.get("/organisations/?country=GB")
    names = [o.key for o in response.context["page"].object_list]
    assert names == ["antislavery", "tuc"]
    response = client.get("/organisations/?kind=trade_union_confederation&kind=trade_union")
    assert {o.key for o in response.context["page"].object_list} == {
        "lo",
        "fagforbundet",
        "tuc",
        "ituc",
    }
    html = page(client, "/organisations/")
    assert '<option value="NO">Norway</option>' in html
    lo = next(o for o in client.get("/organisations/").context["page"].object_list if o.key == "lo")
    assert lo.statement_count == 2  # the draft is not counted


def test_organisation_page(client, archive):
    html = page(client, "/organisations/lo/")
    assert "Norwegian Confederation of Trade Unions" in html
    assert 'LO is member of <a href="/organisations/ituc/">' in html
    assert 'href="/congresses/lo-congress-2009/">2009 LO Congress</a>' in html
    # its topics, each linking to its permalink
    assert 'href="/organisations/lo/topics/trafficking/">Trafficking in human beings <span' in html
    assert 'href="/organisations/lo/topics/labour-rights/">Labour rights <span' in html
    assert "Draft answer that must stay hidden" not in html
    # timeline: LO's published positions per year
    assert '<tr><th scope="row">2009</th><td>3</td></tr>' in html
    assert '<tr><th scope="row">2012</th><td>1</td></tr>' in html
    assert '<tr><th scope="row">2010</th>' not in html  # the draft's year


def test_organisation_page_links_every_topic_the_biggest_first(client, archive):
    # Twenty topics of one statement each beside LO's own: the twenty biggest shown as links
    # (LO's own topics first, with two or three positions each), the rest behind a disclosure,
    # every topic linking to its permalink.
    lo = archive.organisations["lo"]
    for number in range(20):
        topic = Topic.objects.create(key=f"extra-{number:02d}", name=f"Extra {number:02d}")
        s = Statement.objects.create(
            key=f"extra-{number:02d}", title=f"Extra statement {number:02d}", text="Text.",
            organisation=lo, date=datetime.date(2000 + number, 1, 1), date_precision="year",
            status="published",
        )  # fmt: skip
        s.topics.set([topic])
    context = client.get("/organisations/lo/").context
    shown, more = context["topics"], context["more_topics"]
    assert len(shown) == 20 and more
    assert len(shown) + len(more) == 20 + len(expected_lo_topics(archive))
    counts = [g["count"] for g in shown + more]
    assert counts == sorted(counts, reverse=True)
    lo_items = [i for i in archive.items if i.organisation == "lo" and i.status == "published"]
    for g in shown + more:
        if not g["topic"].key.startswith("extra-"):
            below = descendants(g["topic"].key)
            assert g["count"] == sum(1 for i in lo_items if i.topics & below), g["topic"].key
    html = page(client, "/organisations/lo/")
    for number in range(20):
        assert f'href="/organisations/lo/topics/extra-{number:02d}/"' in html


def expected_lo_topics(archive):
    """The topics LO's published positions are on, sub-topics counting for their parents."""
    found = set()
    for item in archive.items:
        if item.organisation == "lo" and item.status == "published":
            for topic in item.topics:
                found |= {topic, *ancestors_of(topic)}
    return found


def ancestors_of(topic):
    parent, found = TOPICS[topic][1], set()
    while parent:
        found.add(parent)
        parent = TOPICS[parent][1]
    return found


def test_affiliations_both_ways_addressed_and_mentioned(client, archive):
    html = page(client, "/organisations/ituc/")
    assert '<h3 class="small-heading">Members</h3>' in html
    assert 'href="/organisations/lo/">Norwegian Confederation of Trade Unions (LO)</a>' in html
    assert 'href="/organisations/tuc/">Trades Union Congress (TUC)</a>' in html
    # mentioned in the LO answer, but not in the draft that mentions it too
    assert 'href="/statements/lo-answer/"' in html
    assert "Draft answer" not in html
    html = page(client, "/organisations/antislavery/")
    assert "Addressed to Anti-Slavery International" in html
    assert 'href="/statements/lo-answer/">Statement lo-answer</a>' in html


def test_statement_page(client, archive):
    html = page(client, "/statements/lo-answer/")
    assert '<p id="p1" class="para"><a class="para-link" href="#p1"' in html
    assert 'id="p3"' in html and 'id="p4"' not in html
    # the quoted passage is marked and linked to its resolution
    assert '<span class="quoted">The labour movement fights poverty.</span>' in html
    assert 'href="/resolutions/lo-2009-poverty/" lang="en">Quoted from' in html
    assert '<time datetime="2009">2009</time>' in html
    assert "1 January 2009" not in html
    assert "Questionnaire on THB" in html
    assert 'href="/organisations/antislavery/"' in html  # addressee
    assert 'href="/organisations/ituc/"' in html  # mentioned
    assert "<dd>English</dd>" in html
    assert 'href="/topics/trafficking/">Trafficking in human beings</a>' in html
    assert '<textarea id="citation" class="citation" readonly' in html
    assert (
        "Norwegian Confederation of Trade Unions (LO). “Statement lo-answer”. "
        "Answer to a questionnaire or consultation. Addressed to Anti-Slavery International. "
        "Questionnaire on THB. 2009. Policy archive, http://testserver/statements/lo-answer/"
    ) in html


@pytest.mark.parametrize(
    "key, shown",
    [
        ("lo-press", '<time datetime="2012-05">May 2012</time>'),
        ("fagforbundet-speech", '<time datetime="2012-05-12">12 May 2012</time>'),
        ("tuc-paper", "<dd>Undated</dd>"),
    ],
)
def test_dates_at_their_precision(client, archive, key, shown):
    assert shown in page(client, f"/statements/{key}/")


def test_quotation_spanning_paragraphs(client, archive):
    b = archive
    statement = b.statement(
        "spanning",
        "lo",
        datetime.date(2011, 1, 1),
        "year",
        text="Intro.\n\n'First quoted.\n\nSecond quoted.'\n\nOutro.",
    )
    statement.quotations.create(
        resolution=b.objects["lo-2009-child"], excerpt="First quoted.\n\nSecond quoted."
    )
    html = page(client, "/statements/spanning/")
    assert '&#x27;<span class="quoted">First quoted.</span> <span class="para-tools">' in html
    assert (
        '<span class="quoted">Second quoted.</span> '
        '<a class="quote-source" href="/resolutions/lo-2009-child/"' in html
    )
    assert html.count('class="quote-source"') == 1


def test_congress_and_resolution_pages(client, archive):
    html = page(client, "/congresses/lo-congress-2009/")
    assert "<h1>2009 LO Congress</h1>" in html
    assert 'href="/resolutions/lo-2009-poverty/">Resolution lo-2009-poverty</a>' in html
    assert "Quoted 1 time" in html  # the draft's quotation does not count
    html = page(client, "/congresses/tuc-congress-2015/")
    assert "13 September 2015" in html
    html = page(client, "/resolutions/lo-2009-poverty/")
    assert '<h2 id="quoted-in">Quoted in</h2>' in html
    assert 'href="/statements/lo-answer/">Statement lo-answer</a>' in html
    assert 'href="/statements/lo-answer/#p2">¶2</a>' in html
    assert "Draft answer that must stay hidden" not in html
    assert 'id="p2"' in html


def test_drafts_are_hidden_everywhere(client, archive):
    assert client.get("/statements/lo-draft/").status_code == 404
    for url in [
        "/",
        "/topics/",
        "/topics/trafficking/",
        "/organisations/lo/",
        "/organisations/ituc/",
        "/positions/",
        "/positions/?year_from=2010&year_to=2010",
        "/organisations/lo/topics/trafficking/",
        "/resolutions/lo-2009-poverty/",
        "/congresses/lo-congress-2009/",
    ]:
        html = page(client, url)
        assert "lo-draft" not in html and "Draft answer" not in html, url
    response = client.get("/positions/?year_from=2010&year_to=2010")
    assert response.context["count"] == 0
    assert response.context["timeline"].total == 0
    assert Statement.objects.filter(key="lo-draft").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/topics/nothing/",
        "/organisations/nobody/",
        "/statements/nothing/",
        "/congresses/nothing/",
        "/resolutions/nothing/",
        "/organisations/lo/topics/nothing/",
        "/no/such/page/",
    ],
)
def test_unknown_slugs_give_the_404_page(client, archive, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html and '<nav aria-label="Main"' in html


def test_stored_text_is_escaped(client, archive):
    b = archive
    b.statement(
        "xss",
        "lo",
        datetime.date(2011, 1, 1),
        "year",
        ["trafficking"],
        title="<img src=x onerror=alert(1)>",
        text="<script>alert(2)</script> THB",
    )
    for url in ["/statements/xss/", "/positions/?topic=trafficking", "/organisations/lo/", "/"]:
        html = page(client, url)
        assert "<img src=x" not in html and "<script>alert" not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url


def test_resolution_marks_the_passages_published_statements_quote(client, archive):
    html = page(client, "/resolutions/lo-2009-poverty/")
    assert (
        '<p id="p1" class="para"><a class="para-link" href="#p1" aria-label="Paragraph 1: link to'
        ' it">¶1</a> <span class="quoted">The labour movement fights poverty.</span> '
        '<a class="quote-source" href="/statements/lo-answer/#p2" lang="en">Quoted in '
        '“Statement lo-answer”, LO</a> <span class="para-tools">'
    ) in html
    assert html.count('class="quote-source"') == 1  # the draft's quotation is not marked


def test_a_topic_without_positions(client, archive):
    archive.topics["empty"] = archive.topics["poverty"].children.create(key="empty", name="Empty")
    response = client.get("/topics/empty/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No statements or resolutions match this selection." in html
    assert "No positions." in html  # the timeline says so rather than drawing nothing
    assert '<a href="/topics/poverty/">Poverty</a>' in html  # its parent, in the breadcrumbs


def test_organisation_without_anything(client, archive):
    html = page(client, "/organisations/fagforbundet/")
    assert "Nothing in the archive is addressed to" in html
    assert "No statement in the archive mentions" in html
    assert "International" not in html.split("<main", 1)[1].split("</header>", 1)[0]


def test_organisation_form_without_a_choice_drops_the_empty_values(client, archive):
    response = client.get("/organisations/?country=&kind=")
    assert response.status_code == 301 and response["Location"] == "/organisations/"
    response = client.get("/organisations/?country=NO&kind=")
    assert response.status_code == 301 and response["Location"] == "/organisations/?country=NO"
    response = client.get(response["Location"])
    assert {o.key for o in response.context["page"].object_list} == {"lo", "fagforbundet"}


@pytest.mark.parametrize("name", ["400.html", "404.html", "500.html"])
def test_error_templates_render_without_a_request(name):
    # Django's own handlers render 400.html and 500.html with an empty context.

    html = render_to_string(name)
    assert "<h1>" in html and '<html lang="en">' in html


def test_a_suspicious_request_gets_the_400_page(client, archive, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "This request cannot be answered" in response.content.decode()


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "x"]
)
def test_a_stored_address_is_only_a_link_when_it_is_a_web_address(client, archive, address):
    Organisation.objects.filter(key="lo").update(website=address)
    Statement.objects.filter(key="lo-answer").update(source_url=address)
    Resolution.objects.filter(key="lo-2009-poverty").update(source_url=address)
    for url in ("/organisations/lo/", "/statements/lo-answer/", "/resolutions/lo-2009-poverty/"):
        html = page(client, url)
        assert 'href="javascript' not in html.lower() and 'href="data:' not in html
        assert 'rel="external noopener"' not in html  # shown as text, not as a link
        assert escape(address.strip()) in html or escape(address) in html


def test_a_web_address_is_a_link(client, archive):
    Organisation.objects.filter(key="lo").update(website="https://www.lo.no/")
    assert '<a href="https://www.lo.no/" rel="external noopener">' in page(
        client, "/organisations/lo/"
    )


PUBLIC_PAGES = [
    "/",
    "/topics/",
    "/topics/trafficking/",
    "/organisations/",
    "/organisations/lo/",
    "/organisations/lo/topics/trafficking/",
    "/statements/lo-answer/",
    "/congresses/lo-congress-2009/",
    "/resolutions/lo-2009-poverty/",
    "/positions/",
    "/positions/facets/topic/",
    "/search/?q=trafficking",
    "/search/facets/topic/?q=trafficking",
    "/health/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_answer_get_and_head_only(client, archive, url):
    assert client.get(url).status_code == 200
    head = client.head(url)
    assert head.status_code == 200 and not head.content
    for method in ("post", "put", "patch", "delete", "options", "trace"):
        response = getattr(client, method)(url)
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == "GET, HEAD"


def test_every_page_carries_a_content_security_policy_without_inline_code(client, archive):
    response = client.get("/topics/trafficking/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert " style=" not in html and "<style" not in html  # the timeline places labels by class
    assert 'class="at-' in html
