"""Playwright fixtures for the browser tests: Debian's Chromium driven headless against
pytest-django's live server, the demo archive loaded, and an axe-core check.

Reusable by every browser test module (tests/browser/test_*.py):

    @pytest.mark.browser
    def test_something(page, live_url, demo_archive, axe):
        page.goto(live_url("/"))
        axe(page)  # fails on any serious or critical violation, listing them
"""

import os
from pathlib import Path

import axe_playwright_python
import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect, sync_playwright

from tests.browser.seed import load_demo

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are safe (they are not inside that loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
FAILING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"Chromium is not at {CHROMIUM}: apt-get install chromium"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def live_url(live_server):
    """live_url("/topics/") -> the live server's absolute URL."""
    return lambda path: live_server.url + path


@pytest.fixture
def demo_archive(transactional_db):
    load_demo()


@pytest.fixture
def log_in_as(live_url, roles):
    """log_in_as(page, "Editors", "editor"): a staff member of that group (not a superuser),
    made on first use, logged in through the admin's own login form (anyone logged in on
    that page before is logged out)."""

    def log_in(page, group, username):
        password = f"{username}'s passphrase, long enough"
        user = User.objects.filter(username=username).first() or User(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=group)])
        page.context.clear_cookies()
        page.goto(live_url("/admin/login/?next=/admin/"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(live_url("/admin/"))
        expect(page.get_by_role("button", name="Log out")).to_be_attached()
        return user

    return log_in


def run_axe(page, known=None):
    """axe-core's violations on the page as it stands, without the elements that `known`
    names for a rule ({rule id: [CSS selectors]}): only that rule, on exactly the elements
    those selectors match; every other rule still checks them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, which the pages' CSP (no
        # inline scripts) does not govern, unlike a <script> tag added to the page.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (known) => {
            const violations = (await axe.run(document)).violations;
            const isKnown = (rule, node) => {
                const element = node.target.length === 1
                    ? document.querySelector(node.target[0]) : null;
                return element !== null
                    && (known[rule] || []).some((selector) => element.matches(selector));
            };
            return violations
                .map((v) => ({...v, nodes: v.nodes.filter((n) => !isKnown(v.id, n))}))
                .filter((v) => v.nodes.length > 0);
        }""",
        known or {},
    )


def describe(violations):
    lines = []
    for v in violations:
        targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({targets})")
    return "\n".join(lines)


# Django's own admin markup, which we do not override, has violations that axe-core reports as
# serious or critical. Each is left out for its one rule on exactly these elements:
DJANGO_ADMIN_KNOWN = {
    # The changelist's search box (admin/search_form.html) is labelled by a magnifying-glass
    # image (<label for="searchbar"><img alt="Search"></label>) and, where the list has search
    # help text, described by it through aria-describedby: the best-practice rule counts
    # neither as a visible label. Screen readers name it "Search"; a Search button is beside it.
    "label-title-only": ["#searchbar"],
    # The autocomplete of a many-to-many field (topics, mentions) is the Select2 4.0.13 that
    # Django vendors: it types into a search box of its own, inside the labelled combobox,
    # that has no label ...
    "label": [".select2-selection--multiple .select2-search__field"],
    # ... and puts its "remove all" cross, a <span>, inside its <ul> of chosen items.
    "list": [".select2-selection--multiple > ul.select2-selection__rendered"],
}


@pytest.fixture
def axe():
    """axe(page): fail on any serious or critical axe-core violation, listing each.
    axe(page, known={rule: [selectors]}) leaves out that rule on exactly those elements."""

    def check(page, known=None):
        violations = run_axe(page, known)
        bad = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
        assert not bad, f"axe-core violations on {page.url}:\n{describe(bad)}"
        return violations

    return check


@pytest.fixture
def admin_axe(axe):
    """axe(page) for the admin's pages: Django's own known violations (DJANGO_ADMIN_KNOWN)
    left out, nothing else."""
    return lambda page: axe(page, known=DJANGO_ADMIN_KNOWN)


@pytest.fixture
def screenshot():
    """screenshot(page, "topic-page"): a full-page PNG in screenshots/ (git-ignored)."""

    def take(page, name):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
