"""Fixtures for the web page tests: a small ingested corpus, a live server, headless Chromium.

The corpus is the bundled illustrative graph plus three project-written illustrative abstracts
(``fixtures/illustrative_abstracts.tsv``) read and extracted by the normal ingest pipeline.
Chromium is Debian's (``/usr/bin/chromium`` driven by ``/usr/bin/chromedriver``), passed to
Selenium explicitly so that Selenium Manager never downloads a browser or driver.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from api.app import create_app
from ingest.examples.demo import load_demo
from ingest.pipeline import ingest
from ingest.problems import ProblemLog
from ingest.readers.table import read_table
from kg.store import GraphStore, open_store
from tests.api.support import LiveServer, settings, start_server
from tests.conftest import IN_CI, REPO

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
INDICATION = "Diabetes Mellitus"


def fill_web_corpus(store: GraphStore) -> None:
    """The illustrative graph plus the illustrative abstracts, ingested into ``store``."""
    load_demo(store)
    problems = ProblemLog()
    summary = ingest(read_table(FIXTURES / "illustrative_abstracts.tsv", problems), store, problems)
    assert summary.written == 3 and not list(problems), list(problems)


@pytest.fixture(scope="module")
def web_store() -> Iterator[GraphStore]:
    """An in-memory store holding the small web test corpus."""
    store = open_store("memory:")
    fill_web_corpus(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def live_web(web_store: GraphStore) -> Iterator[LiveServer]:
    """``tcmkg serve``'s app on a loopback port over the web test corpus."""
    server = start_server(create_app(web_store, settings()), web_store)
    yield server
    server.stop()


def _need_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        reason = (
            f"headless Chromium not installed: {', '.join(missing)} "
            "(Debian packages chromium and chromium-driver)"
        )
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_factory() -> Iterator[Callable[[int, int], Chrome]]:
    """Make headless Chromium drivers at a window size; all are quit at the end."""
    _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    made: list[Chrome] = []
    profiles: list[str] = []

    def make(width: int, height: int) -> Chrome:
        profile = tempfile.mkdtemp(prefix="tcmkg-chromium-")
        profiles.append(profile)
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.set_window_size(width, height)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.quit()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: Any, name: str) -> Path:
    """Save a screenshot of the current page under ``test-artifacts/screenshots``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot saved to {path}"
    return path
