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
from playwright.sync_api import sync_playwright

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


def run_axe(page):
    """axe-core's violations on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, which the pages' CSP (no
        # inline scripts) does not govern, unlike a <script> tag added to the page.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate("async () => (await axe.run(document)).violations")


def describe(violations):
    lines = []
    for v in violations:
        targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({targets})")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """axe(page): fail on any serious or critical axe-core violation, listing each."""

    def check(page):
        violations = run_axe(page)
        bad = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
        assert not bad, f"axe-core violations on {page.url}:\n{describe(bad)}"
        return violations

    return check


@pytest.fixture
def screenshot():
    """screenshot(page, "topic-page"): a full-page PNG in screenshots/ (git-ignored)."""

    def take(page, name):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
