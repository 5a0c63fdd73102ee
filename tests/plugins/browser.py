"""Playwright on Debian's Chromium.

Tests that use a browser fixture (`page`, `context`, ...) are marked `browser` automatically.
Without Chromium they are skipped, unless AIDSYS_REQUIRE_BROWSER=1 (the full `make test`),
where a missing Chromium fails them: a check that cannot run must not pass quietly.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread, and Django refuses database
# access from inside one (the live_server tests need it).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_FIXTURES = {"page", "context", "new_context", "browser", "launch_browser"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path:
    return Path(os.environ.get("AIDSYS_CHROMIUM") or "/usr/bin/chromium")


def browser_required() -> bool:
    return os.environ.get("AIDSYS_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    headless = browser_type_launch_args.get("headless", True)
    return {
        **browser_type_launch_args,
        "executable_path": str(chromium_path()),
        "args": [arg for arg in CHROMIUM_ARGS if headless or arg != "--headless"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")


def missing_chromium() -> str | None:
    path = chromium_path()
    if os.access(path, os.X_OK):
        return None
    return f"no Chromium at {path} (set AIDSYS_CHROMIUM, or apt-get install chromium)"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be there before `-m "not browser"` deselects.
    reason = missing_chromium()
    for item in items:
        if BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if reason and not browser_required() and item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if browser_required() and item.get_closest_marker("browser"):
        reason = missing_chromium()
        if reason:
            pytest.fail(f"{reason}; AIDSYS_REQUIRE_BROWSER=1 forbids skipping", pytrace=False)


@pytest.fixture(autouse=True)
def pages_settle_before_the_database_is_emptied(request):
    """A page may still be loading when its test ends (a home-visit photo, whose every showing is an
    audit event); the live server would then write while the test's database is emptied, and the two
    deadlock. Taken here, the live server and the page are torn down after this waits for the page's
    requests to finish."""
    if "page" not in request.fixturenames or "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")
    page = request.getfixturevalue("page")
    yield
    if not page.is_closed():
        page.wait_for_load_state("networkidle")
