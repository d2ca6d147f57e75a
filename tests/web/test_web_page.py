"""The web page in headless Chromium against a live server: the pharmacologist's path through it.

Search an indication by its Chinese name with suggestions, rank, open a candidate, see both
charts drawn, follow an evidence card to its source record, download the dossier, run a SPARQL
example; at 1280×800 and at a phone width, where each ranked row is a card with its score,
certainty and safety in view. Each step saves a screenshot under ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from api.app import create_app
from ingest.examples.illustrative import HUANGQI
from kg.iri import graph_iri, own_curie
from kg.model import (
    Claim,
    Direction,
    Entity,
    EntityKind,
    EvidenceItem,
    Label,
    Predicate,
    RecordBundle,
    RecordKind,
    SourceRecord,
    StudyDesign,
)
from kg.store import open_store
from kg.writer import bundle_quads
from tests.api.support import LiveServer, settings, start_server
from tests.web.conftest import fill_web_corpus, screenshot

if TYPE_CHECKING:
    from selenium.webdriver import Chrome
    from selenium.webdriver.remote.webelement import WebElement

pytestmark = pytest.mark.browser

# A script, style sheet, font or module loaded from another host (links for the reader are fine).
REMOTE_LOAD = re.compile(
    r"""(?:src\s*=\s*["']|url\(\s*["']?|@import\s+["']?|from\s+["']|import\(\s*["'])"""
    r"(?:https?:)?//",
    re.IGNORECASE,
)
WAIT = 20  # seconds: ranking runs real SPARQL on a real store


def wait_for(driver: Chrome, css: str, timeout: float = WAIT) -> object:
    """The first element matching ``css`` once it is visible."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_until(driver: Chrome, script: str, timeout: float = WAIT) -> object:
    """Wait until the JavaScript expression ``script`` is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(f"return {script}"))


@pytest.fixture(scope="module")
def desktop(browser_factory: Callable[[int, int], Chrome]) -> Iterator[Chrome]:
    """Chromium at a 1280×800 window."""
    yield browser_factory(1280, 800)


@pytest.fixture(scope="module")
def phone(browser_factory: Callable[[int, int], Chrome]) -> Iterator[Chrome]:
    """Chromium at a 390×844 phone window."""
    yield browser_factory(390, 844)


def harm_reports(*harms: str) -> RecordBundle:
    """An illustrative record reporting that Astragali Radix caused each of ``harms``."""
    record = SourceRecord(
        id="TCMKG.DOC:illustrative-web-harm-reports",
        kind=RecordKind.DOCUMENT,
        title="Illustrative adverse event reports written for the web page tests",
        year=2024,
        illustrative=True,
    )
    entities = tuple(
        Entity(
            own_curie("TCMKG.DISEASE", name), EntityKind.DISEASE, name, (Label(name, "en", True),)
        )
        for name in harms
    )
    item = EvidenceItem(
        source=record.id,
        design=StudyDesign.CASE_REPORT,
        direction=Direction.HARM,
        sample_size=1,
        species="human",
        year=2024,
        method="manual",
    )
    claims = tuple(Claim(HUANGQI.id, Predicate.CAUSES, e.id, (item,)) for e in entities)
    return RecordBundle(record, entities, claims)


@pytest.fixture(scope="module")
def live_web_many_flags() -> Iterator[LiveServer]:
    """The web corpus plus two more harms of Astragali Radix: four safety flags in its row."""
    store = open_store("memory:")
    fill_web_corpus(store)
    bundle = harm_reports("illustrative rash", "illustrative nausea")
    store.replace_graph(graph_iri(bundle.record.id), bundle_quads(bundle))
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()


def no_page_errors(driver: Chrome) -> None:
    """The browser console logged no error (a failed script, a blocked or remote request)."""
    logs = driver.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [e["message"] for e in logs if e["level"] == "SEVERE"]
    assert not errors, errors


def test_page_works_offline_and_needs_nothing_remote(live_web: LiveServer) -> None:
    page = httpx.get(live_web.url + "/", timeout=10)
    assert page.status_code == 200
    assert not REMOTE_LOAD.search(page.text)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "charts.js", "style.css"):
        asset = httpx.get(f"{live_web.url}/static/{name}", timeout=10)
        assert asset.status_code == 200, name
        assert not REMOTE_LOAD.search(asset.text), (name, REMOTE_LOAD.search(asset.text))
    assert "Noto Sans CJK SC" in httpx.get(live_web.url + "/static/style.css").text
    assert httpx.get(live_web.url + "/static/..%2Fapp.py").status_code == 404


def test_search_rank_open_follow_and_sparql(live_web: LiveServer, desktop: Chrome) -> None:
    from selenium.webdriver.common.by import By

    d = desktop
    d.get(live_web.url + "/")
    box = wait_for(d, "#indication")
    box.send_keys("糖尿")  # type: ignore[attr-defined]
    wait_for(d, "#suggestions li")
    texts = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#suggestions li")]
    assert any("Diabetes Mellitus" in t for t in texts), texts
    screenshot(d, "desktop-1-suggestions")
    d.find_element(By.CSS_SELECTOR, "#suggestions li[data-id='MESH:D003920']").click()
    assert box.get_attribute("value") == "Diabetes Mellitus"  # type: ignore[attr-defined]
    d.find_element(By.ID, "kind").send_keys("all")
    d.find_element(By.ID, "search-button").click()
    wait_for(d, "#ranking tbody tr")
    rows = d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    ids = [r.get_attribute("data-id") for r in rows]
    assert "TCMKG.HERB:astragali-radix" in ids
    first = rows[0].text
    assert "黄芪" in first and "Astragali Radix" in first, first
    # At desktop width the ranking is a table: one line per row, sorted by its column headers.
    assert not d.find_element(By.ID, "sort-key").is_displayed()
    tops = {c.rect["y"] for c in rows[0].find_elements(By.CSS_SELECTOR, "td.num")}
    assert len(tops) == 1, tops
    screenshot(d, "desktop-2-ranking")

    # Sorting by score ascending puts the best candidate last; the certainty filter hides rows.
    d.find_element(By.CSS_SELECTOR, "th[data-sort='score'] button").click()
    d.find_element(By.CSS_SELECTOR, "th[data-sort='score'] button").click()
    ordered = [
        r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    ]
    assert ordered[-1] == ids[0] and ordered != ids
    d.find_element(By.ID, "filter-certainty").send_keys("Low")
    kept = d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    assert 0 < len(kept) < len(ids)
    d.find_element(By.ID, "filter-certainty").send_keys("any")

    # Open the herb: both charts are drawn, with one marker per evidence item.
    d.find_element(
        By.CSS_SELECTOR, "#ranking tbody tr[data-id='TCMKG.HERB:astragali-radix']"
    ).click()
    wait_for(d, "#profile-chart svg circle.marker")
    cards = d.find_elements(By.CSS_SELECTOR, "#cards .evidence-card")
    markers = d.find_elements(By.CSS_SELECTOR, "#profile-chart svg circle.marker")
    assert len(cards) == len(markers) >= 3
    assert d.find_elements(By.CSS_SELECTOR, "#cards .evidence-card.against"), "null result hidden"
    wait_for(d, "#mechanism-chart svg circle.node")
    edges = d.find_elements(By.CSS_SELECTOR, "#mechanism-chart svg path.edge")
    assert edges and all(float(e.get_attribute("stroke-width") or 0) >= 1 for e in edges)
    assert "quercetin" in d.find_element(By.ID, "mechanism-chart").text
    marks = [m.text for m in d.find_elements(By.CSS_SELECTOR, "#cards mark")]
    assert any(m.lower().startswith("astragal") for m in marks), marks
    screenshot(d, "desktop-3-candidate")

    # Following an evidence card: its marker is picked out and its source record is shown.
    card = cards[0]
    card.click()
    assert "selected" in (card.get_attribute("class") or "")
    assert d.find_elements(By.CSS_SELECTOR, "#profile-chart svg circle.marker.selected")
    card.find_element(By.CSS_SELECTOR, ".source-button").click()
    title = wait_for(d, "#source-panel .source-title")
    assert "Illustrative" in title.text  # type: ignore[attr-defined]
    assert "not a real study" in d.find_element(By.ID, "source-panel").text
    screenshot(d, "desktop-4-source")

    # The dossier link serves a self-contained file for this candidate.
    href = d.find_element(By.ID, "dossier-link").get_attribute("href") or ""
    dossier = httpx.get(href, timeout=30)
    assert dossier.status_code == 200
    assert "Astragal" in dossier.text and "<script" not in dossier.text
    d.get(href)
    wait_for(d, "svg.evidence-profile")
    screenshot(d, "desktop-5-dossier")
    d.back()

    # SPARQL: pick an example from the library and run it.
    wait_for(d, "#sparql-example option[value='candidate_evidence_counts']")
    d.find_element(By.ID, "sparql-example").send_keys("a plain SPARQL ranking")
    query = d.find_element(By.ID, "sparql-query").get_attribute("value") or ""
    assert "biolink:treats" in query
    d.find_element(By.ID, "sparql-run").click()
    wait_until(d, "document.querySelectorAll('#sparql-results tbody tr').length > 0")
    header = d.find_element(By.CSS_SELECTOR, "#sparql-results thead").text
    assert "?candidate" in header and "?benefit" in header
    assert "row(s)" in d.find_element(By.ID, "sparql-status").text
    d.execute_script("document.getElementById('sparql-section').scrollIntoView()")
    screenshot(d, "desktop-6-sparql")
    no_page_errors(d)


def test_page_fits_a_phone_and_renders_chinese(live_web: LiveServer, phone: Chrome) -> None:
    from selenium.webdriver.common.by import By

    d = phone
    d.get(
        live_web.url + "/#indication=MESH%3AD003920&kind=tcm&candidate=TCMKG.HERB%3Aastragali-radix"
    )
    wait_for(d, "#profile-chart svg circle.marker")
    # Nothing wider than the screen except inside the scrolling table and chart boxes.
    overflow = d.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"page is {overflow}px wider than a phone screen"
    zh = d.find_element(By.CSS_SELECTOR, "#ranking .zh")
    assert zh.text == "黄芪"
    # The CJK glyphs come from an installed font (a missing font renders tofu of equal width).
    widths = d.execute_script(
        "const c = document.createElement('canvas').getContext('2d');"
        "c.font = '20px \"Noto Sans CJK SC\", sans-serif'; const a = c.measureText('黄芪').width;"
        "return [a, c.measureText('\\u{10FFFF}\\u{10FFFE}').width];"
    )
    assert widths[0] > 30, widths
    assert document_fonts_ok(d)
    screenshot(d, "phone-1-candidate")
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, "phone-0-top")
    no_page_errors(d)


def in_view(driver: Chrome, element: WebElement) -> bool:
    """Whether ``element`` is displayed, says something, and lies within the window's width."""
    left, right, width = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, innerWidth];",
        element,
    )
    return bool(element.is_displayed() and element.text.strip() and left >= 0 and right <= width)


def ranked_ids(driver: Chrome) -> list[str]:
    """Candidate ids of the ranked rows, in the order shown."""
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    return [r.get_attribute("data-id") or "" for r in rows]


def test_ranked_rows_are_cards_at_phone_width(live_web: LiveServer, phone: Chrome) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    d = phone
    d.get(live_web.url + "/")
    wait_for(d, "#indication").send_keys("Diabetes Mellitus")  # type: ignore[attr-defined]
    Select(d.find_element(By.ID, "kind")).select_by_value("all")
    d.find_element(By.ID, "search-button").click()
    wait_for(d, "#ranking tbody tr")
    rows = d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    ids = ranked_ids(d)
    assert len(rows) >= 3 and "TCMKG.HERB:astragali-radix" in ids, ids

    # Nothing to pan: neither the page nor the ranking scrolls sideways.
    page_width, window_width, wrap_scroll, wrap_width = d.execute_script(
        "const w = document.querySelector('.ranking-wrap');"
        "return [document.documentElement.scrollWidth, innerWidth, w.scrollWidth, w.clientWidth];"
    )
    assert page_width <= window_width, (page_width, window_width)
    assert wrap_scroll <= wrap_width, (wrap_scroll, wrap_width)

    # Every card shows its candidate and kind, both axes, certainty, the for/against split and
    # its safety flags ("none found" when there are none) inside the screen.
    for row in rows:
        for css in (".names", ".names .kind", ".score", ".clinical", ".mechanistic"):
            assert in_view(d, row.find_element(By.CSS_SELECTOR, css)), (css, row.text)
        for css in (".certainty", ".support", ".safety"):
            assert in_view(d, row.find_element(By.CSS_SELECTOR, css)), (css, row.text)
    safety = [r.find_element(By.CSS_SELECTOR, ".safety").text for r in rows]
    assert any(":" in s for s in safety), safety  # a real flag, not only "none found"

    # Screen readers still meet a table: rows, cells and the (visually hidden) column headers.
    assert d.find_element(By.ID, "ranking").aria_role == "table"
    assert rows[0].aria_role == "row"
    assert rows[0].find_element(By.CSS_SELECTOR, ".score").aria_role == "cell"
    headers = d.find_elements(By.CSS_SELECTOR, "#ranking th")
    assert [h.aria_role for h in headers] == ["columnheader"] * 8
    assert [h.accessible_name for h in headers][2:6] == [
        "Score",
        "Clinical",
        "Mechanistic",
        "Certainty",
    ]
    # The hidden headers' sort buttons are out of the tab order; the sort select replaces them.
    assert all(
        b.get_attribute("tabindex") == "-1"
        for b in d.find_elements(By.CSS_SELECTOR, "#ranking th button")
    )
    assert d.find_element(By.ID, "suggestions").get_attribute("hidden") is not None
    d.execute_script("document.getElementById('results-title').scrollIntoView()")
    screenshot(d, "phone-2-ranking-cards")

    # Sorting by score, lowest first, puts the best candidate last; the filter still filters.
    sort_key = d.find_element(By.ID, "sort-key")
    assert sort_key.is_displayed()
    Select(sort_key).select_by_value("score")
    assert ranked_ids(d) == ids  # a new key starts highest first, as the ranking is
    order = Select(d.find_element(By.ID, "sort-dir"))
    assert order.first_selected_option.text == "highest first"
    order.select_by_value("1")
    ordered = ranked_ids(d)
    assert ordered[-1] == ids[0] and ordered != ids
    score_header = d.find_element(By.CSS_SELECTOR, "th[data-sort='score']")
    assert score_header.get_attribute("aria-sort") == "ascending"
    Select(d.find_element(By.ID, "filter-certainty")).select_by_value("Low")
    assert 0 < len(ranked_ids(d)) < len(ids)
    Select(d.find_element(By.ID, "filter-certainty")).select_by_value("")
    Select(sort_key).select_by_value("rank")
    assert ranked_ids(d) == ids

    # Tapping a card opens its evidence; so does Enter on a focused card.
    d.find_element(By.CSS_SELECTOR, "#ranking tr[data-id='TCMKG.HERB:astragali-radix']").click()
    wait_for(d, "#cards .evidence-card")
    title = d.find_element(By.ID, "detail-title")
    wait_until(d, "!document.getElementById('detail-title').textContent.includes('loading')")
    assert "Astragal" in title.text, title.text
    assert in_view(d, d.find_element(By.CSS_SELECTOR, "#cards .evidence-card"))
    screenshot(d, "phone-3-card-evidence")
    other = next(i for i in ids if i != "TCMKG.HERB:astragali-radix")
    d.find_element(By.CSS_SELECTOR, f"#ranking tr[data-id='{other}']").send_keys(Keys.ENTER)
    wait_until(
        d,
        "(t => !t.includes('Astragal') && !t.includes('loading') && t.includes(' for '))"
        "(document.getElementById('detail-title').textContent)",
    )
    picked = d.find_element(By.CSS_SELECTOR, f"#ranking tr[data-id='{other}']")
    assert "selected" in (picked.get_attribute("class") or "")
    no_page_errors(d)


def test_a_card_counts_the_safety_flags_it_does_not_list(
    live_web_many_flags: LiveServer, phone: Chrome
) -> None:
    from selenium.webdriver.common.by import By

    d = phone
    d.get(live_web_many_flags.url + "/#indication=MESH%3AD003920&kind=tcm")
    card = wait_for(d, "#ranking tr[data-id='TCMKG.HERB:astragali-radix']")
    safety = card.find_element(By.CSS_SELECTOR, ".safety")  # type: ignore[attr-defined]
    flags = safety.find_elements(By.CSS_SELECTOR, ".flag")
    assert [f.text for f in flags][-1] == "and 1 more (open the row for all)", safety.text
    assert len(flags) == 4 and all(in_view(d, f) for f in flags), safety.text
    card.click()  # type: ignore[attr-defined]
    wait_for(d, "#safety li")
    listed = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#safety li")]
    assert len(listed) == 4 and any("illustrative nausea" in t for t in listed), listed
    no_page_errors(d)


def document_fonts_ok(driver: Chrome) -> bool:
    """Whether the browser has a font covering Chinese characters at the page's font stack."""
    return bool(
        driver.execute_script("return document.fonts.check('16px \"Noto Sans CJK SC\"', '黄芪')")
    )
