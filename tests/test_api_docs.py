"""The API's documentation page, /api/docs/: written from the schema that /api/schema/ serves,
it lists every operation with its parameters and responses, describes each type once where
every mention links, and its example URLs answer with JSON. Expected values are read from the
served schema (its JSON), never from the page's own reading of it."""

import json
from html.parser import HTMLParser
from itertools import pairwise

import pytest
import yaml

from statements.models import PositionFact, Statement, Topic
from tests.browser.builders import build_archive
from tests.test_interchange_support import empty_archive

pytestmark = pytest.mark.django_db
VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "col", "area", "base"}
BLOCKS = {"p", "li", "ul", "ol", "tr", "td", "th", "div", "table", "details", "summary"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def all(self, tag=None, cls=None):
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (
                    cls is None or cls in child.attrs.get("class", "").split()
                ):
                    yield child
                yield from child.all(tag, cls)

    @property
    def text(self):
        parts = [
            c if isinstance(c, str) else f" {c.text} " if c.tag in BLOCKS else c.text
            for c in self.children
        ]
        return " ".join("".join(parts).split())


class Tree(HTMLParser):
    """The page as a tree of elements, for reading it as a reader would."""

    def __init__(self, html):
        super().__init__()
        self.root = self.current = Node("document", {})
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


@pytest.fixture
def archive():
    return build_archive()


def served_schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def docs_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return Tree(response.content.decode()).root


def operations(page):
    """{"GET /api/…": the operation's section}."""
    return {s.all("h3").__next__().text: s for s in page.all("section", "api-operation")}


def table_rows(section, caption_start):
    """The rows (cells' texts, by column heading) of the section's table so captioned."""
    for table in section.all("table"):
        if next(table.all("caption")).text.startswith(caption_start):
            headings = [th.text for th in next(table.all("thead")).all("th")]
            return {
                (cells := [c.text for c in row.children if isinstance(c, Node)])[0]: dict(
                    zip(headings, cells, strict=True)
                )
                for row in next(table.all("tbody")).all("tr")
            }
    raise AssertionError(f"no table captioned {caption_start!r}")


def example_links(page):
    return [a.attrs["href"] for p in page.all("p", "api-example") for a in p.all("a")]


def test_the_page_lists_every_operation_of_the_schema(client, archive):
    schema = served_schema(client)
    expected = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
    }
    page = docs_page(client)
    assert set(operations(page)) == expected
    contents = next(a for a in page.all("nav") if a.attrs.get("aria-labelledby") == "contents")
    assert expected <= {a.text for a in contents.all("a")}


def test_every_parameter_of_positions_appears_with_its_values(client, archive):
    parameters = served_schema(client)["paths"]["/api/positions/"]["get"]["parameters"]
    section = operations(docs_page(client))["GET /api/positions/"]
    rows = table_rows(section, "Parameters")
    assert set(rows) == {p["name"] for p in parameters}
    for parameter in parameters:
        row = rows[parameter["name"]]
        assert row["In"] == parameter["in"]
        assert row["Required"] == ("yes" if parameter.get("required") else "no")
        schema = parameter["schema"]
        for value in schema.get("enum", []) + schema.get("items", {}).get("enum", []):
            assert value in row["Type"].split(), (parameter["name"], value)
        if "description" in parameter:
            assert row["Description"] == " ".join(parameter["description"].replace("`", "").split())
    assert "1 to 100" in rows["page_size"]["Type"]  # its limits, from the schema
    assert "repeatable" in rows["topic"]["Type"] and "repeatable" not in rows["sort"]["Type"]


def test_each_response_names_its_status_and_body(client, archive):
    schema = served_schema(client)
    page = docs_page(client)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            rows = table_rows(operations(page)[f"{method.upper()} {path}"], "Responses")
            assert set(rows) == set(operation["responses"])
            for status, answer in operation["responses"].items():
                body = answer["content"]["application/json"]["schema"]
                if "$ref" in body:
                    assert rows[status]["Body"].startswith(body["$ref"].rsplit("/", 1)[1])
                if answer["description"]:
                    assert rows[status]["Description"] == answer["description"]


def test_every_type_is_described_once_and_every_link_on_the_page_lands(client, archive):
    components = served_schema(client)["components"]["schemas"]
    page = docs_page(client)
    types = {s.attrs["aria-labelledby"]: s for s in page.all("section", "api-type")}
    assert sorted(next(s.all("h3")).text for s in types.values()) == sorted(components)
    ids = [n.attrs["id"] for n in page.all() if "id" in n.attrs]
    assert len(ids) == len(set(ids))
    anchors = [a.attrs["href"][1:] for a in page.all("a") if a.attrs["href"].startswith("#")]
    assert set(anchors) <= set(ids)
    # A type's fields are the schema's, each with its type; a named type is a link to it.
    position = types["type-Position"]
    rows = table_rows(position, "Fields of Position")
    assert set(rows) == set(components["Position"]["properties"])
    assert rows["type"]["Type"] == "TypeEnum"
    assert next(a for a in position.all("a") if a.text == "TypeEnum").attrs["href"] == (
        "#type-TypeEnum"
    )
    # An enum's values with their labels, also the long ones (folded away in <details>).
    languages = table_rows(types["type-LanguageEnum"], "Values of LanguageEnum")
    assert len(languages) == len(components["LanguageEnum"]["enum"])
    assert languages["no"]["Meaning"] == "Norwegian"


def test_the_example_links_answer_with_json(client, archive):
    links = example_links(docs_page(client))
    schema = served_schema(client)
    without_parameters = [
        path
        for path, methods in schema["paths"].items()
        if not any(p.get("required") for p in methods["get"].get("parameters", []))
    ]
    assert {link.split("?")[0] for link in links} >= set(without_parameters)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response["Content-Type"] == "application/json", link
        answer = response.json()
        if "results" in answer:
            assert answer["results"], f"{link} lists nothing"
    positions = next(link for link in links if link.startswith("/api/positions/?topic="))
    assert Topic.objects.filter(key=positions.split("=")[1]).exists()
    objects = [link for link in links if "?" not in link and link.count("/") == 4]
    by_key = [path for path in schema["paths"] if "{key}" in path]
    assert sorted(o.rsplit("/", 2)[0] for o in objects) == sorted(
        p.removesuffix("{key}/").rstrip("/") for p in by_key
    )  # an object of each kind, by a real key


def test_an_example_is_never_a_draft(client, archive):
    first = Statement.objects.order_by("key").first()
    Statement.objects.filter(pk=first.pk).update(status="draft")
    links = example_links(docs_page(client))
    statement = next(
        link for link in links if link.startswith("/api/statements/") and link.count("/") == 4
    )
    assert statement != f"/api/statements/{first.key}/"
    assert client.get(statement).status_code == 200


def test_an_empty_archive_gives_the_bare_lists(client):
    empty_archive()
    assert not PositionFact.objects.exists()
    links = example_links(docs_page(client))
    assert links and all("?" not in link and "{" not in link for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_page_is_plain_accessible_html(client, archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):  # the examples' keys, whatever the archive's size
        response = client.get("/api/docs/")
    html = response.content.decode()
    page = Tree(html).root
    levels = [int(n.tag[1]) for n in page.all() if n.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), "a heading level skipped"
    assert all(th.attrs.get("scope") in {"col", "row"} for th in page.all("th"))
    assert all(next(t.all("caption"), None) is not None for t in page.all("table"))
    assert not any("style" in n.attrs or n.tag == "style" for n in page.all())
    assert all("src" in s.attrs for s in page.all("script"))
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_descriptions_are_escaped(client, archive):
    """A description's `<mark>` (SearchHit's) is shown as text, not taken as markup."""
    html = client.get("/api/docs/").content.decode()
    assert "wrapped in &lt;mark&gt;" in html


def test_the_schema_comes_as_json_or_yaml(client):
    as_yaml = client.get("/api/schema/")
    as_json = client.get("/api/schema/?format=json")
    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(as_json.content) == yaml.safe_load(as_yaml.content)
    assert yaml.safe_load(client.get("/api/schema/?format=yaml").content) == json.loads(
        as_json.content
    )
    wrong = client.get("/api/schema/?format=xml")
    assert wrong.status_code == 400
    assert yaml.safe_load(wrong.content)["errors"][0]["parameter"] == "format"
