"""The web page within a TCM syndrome (病证结合), in headless Chromium against a live server.

A syndrome is suggested as it is typed in characters, pinyin or English; ranking within it adds
the Traditional column (never in the score) and the syndrome's treatment principle, the safety
column shows Pharmacopoeia toxicity grades apart from the literature's flags, and each evidence
card says which syndrome its study enrolled. The browse view lists herbs by action and
syndromes by name. At 1280×800 and at a phone width; screenshots under
``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from api.app import create_app
from ingest.examples.demo import load_catalogue, load_corpus, load_demo
from kg.store import open_store
from tests.api.support import LiveServer, settings, start_server
from tests.web.conftest import screenshot

if TYPE_CHECKING:
    from selenium.webdriver import Chrome
    from selenium.webdriver.remote.webelement import WebElement

pytestmark = pytest.mark.browser

WAIT = 20  # seconds: ranking runs real SPARQL on a real store
KIDNEY_QI_PILL = "TCMKG.FORMULA:jin-gui-shen-qi-wan"
KIDNEY_YANG = "TCMKG.SYNDROME:shen-yang-xu"
QI_YIN = "气阴两虚证 · qi yin liang xu · qi and yin deficiency"
# "Population: 气阴两虚证 qi and yin deficiency — queried syndrome, ×1", or "… not stated, ×1"
POPULATION = re.compile(
    r"Population: (?:syndrome not stated|.+ — (?:queried|related|another) syndrome), ×[0-9.]+"
)


@pytest.fixture(scope="module")
def live_demo() -> Iterator[LiveServer]:
    """``tcmkg serve`` over what ``tcmkg demo`` loads: the seed vocabulary with its syndromes,
    actions and Pharmacopoeia toxicity grades, the illustrative catalogue and corpus."""
    store = open_store("memory:")
    load_demo(store)
    load_catalogue(store)
    problems = list(load_corpus(store))
    assert not problems, problems
    server = start_server(create_app(store, settings()), store)
    yield server
    server.stop()
    store.close()


@pytest.fixture(scope="module")
def desktop(browser_factory: Callable[[int, int], Chrome]) -> Iterator[Chrome]:
    """Chromium at a 1280×800 window."""
    yield browser_factory(1280, 800)


@pytest.fixture(scope="module")
def phone(browser_factory: Callable[[int, int], Chrome]) -> Iterator[Chrome]:
    """Chromium at a 390×844 phone window."""
    yield browser_factory(390, 844)


def wait_for(driver: Chrome, css: str, timeout: float = WAIT) -> WebElement:
    """The first element matching ``css`` once it is visible."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    element: WebElement = WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


def wait_until(driver: Chrome, script: str, timeout: float = WAIT) -> object:
    """Wait until the JavaScript expression ``script`` is truthy; return its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(f"return {script}"))


def no_page_errors(driver: Chrome) -> None:
    """The browser console logged no error (a failed script, a blocked or remote request)."""
    logs = driver.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [e["message"] for e in logs if e["level"] == "SEVERE"]
    assert not errors, errors


def page_overflow(driver: Chrome) -> int:
    """How many pixels the page is wider than the window (0: nothing to pan)."""
    return int(
        driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def open_page(driver: Chrome, url: str) -> None:
    """Load the page at ``url`` and wait until its script has wired the fields."""
    driver.get(url)
    # app.js marks the table as ranked without a syndrome as the last step of wiring the page.
    wait_until(driver, "document.getElementById('ranking').classList.contains('no-syndrome')")


def syndrome_suggestions(driver: Chrome, typed: str) -> list[str]:
    """The syndrome suggestions shown once ``typed`` is in the syndrome field."""
    from selenium.webdriver.common.by import By

    box = wait_for(driver, "#syndrome")
    box.clear()
    box.send_keys(typed)
    wait_for(driver, "#syndrome-suggestions li")
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#syndrome-suggestions li")]


def test_syndromes_are_suggested_in_characters_pinyin_and_english(
    live_demo: LiveServer, desktop: Chrome
) -> None:
    d = desktop
    open_page(d, live_demo.url + "/")
    for typed in ("气阴", "qi yin", "qi and yin"):
        texts = syndrome_suggestions(d, typed)
        assert any(QI_YIN in t for t in texts), (typed, texts)
        # Each suggestion carries the syndrome's treatment principle.
        assert any("益气养阴" in t for t in texts), (typed, texts)
    screenshot(d, "desktop-syndrome-1-suggestions")
    no_page_errors(d)


def test_rank_within_a_syndrome_shows_traditional_axis_toxicity_and_population(
    live_demo: LiveServer, desktop: Chrome
) -> None:
    from selenium.webdriver.common.by import By

    d = desktop
    open_page(d, live_demo.url + "/")
    wait_for(d, "#indication").send_keys("Diabetes Mellitus")
    texts = syndrome_suggestions(d, "shen yang")
    assert any("肾阳虚证 · shen yang xu · kidney yang deficiency" in t for t in texts), texts
    d.find_element(By.CSS_SELECTOR, f"#syndrome-suggestions li[data-id='{KIDNEY_YANG}']").click()
    assert d.find_element(By.ID, "syndrome").get_attribute("value") == "肾阳虚证"
    d.find_element(By.ID, "search-button").click()
    row = wait_for(d, f"#ranking tr[data-id='{KIDNEY_QI_PILL}']")

    # The treatment principle above the table; the Traditional column, said not to be scored.
    note = d.find_element(By.ID, "syndrome-note")
    assert "肾阳虚证" in note.text and "温补肾阳" in note.text, note.text
    assert "warm and tonify kidney yang" in note.text, note.text
    header = d.find_element(By.CSS_SELECTOR, "#ranking th[data-sort='traditional']")
    assert header.is_displayed() and header.text.startswith("Traditional")
    assert "never part of the score" in (header.get_attribute("title") or "")
    traditional = row.find_element(By.CSS_SELECTOR, "td.traditional")
    assert traditional.text.startswith("1.000"), traditional.text
    assert "indicated: 肾阳虚证" in traditional.text, traditional.text

    # Pharmacopoeia toxicity: in the safety column, with its source table, apart from the
    # literature's flags.
    grade = row.find_element(By.CSS_SELECTOR, "td.safety .flag.pharmacopoeia")
    assert "有毒 toxic — via prepared aconite lateral root" in grade.text, grade.text
    assert "Pharmacopoeia" in grade.text
    assert "TCMKG.TABLE:seed-herb-toxicity" in (grade.get_attribute("title") or "")
    assert "syndrome=" + quote(KIDNEY_YANG, safe="") in d.current_url, d.current_url
    screenshot(d, "desktop-syndrome-2-ranking")

    # The evidence of a row says which syndrome each study enrolled.
    row.click()
    wait_for(d, "#cards .evidence-card .population")
    cards = d.find_elements(By.CSS_SELECTOR, "#cards .evidence-card")
    lines = [c.find_element(By.CSS_SELECTOR, ".population").text for c in cards]
    assert all(POPULATION.fullmatch(line) for line in lines), lines
    # The Kidney Qi Pill's trial enrolled spleen–kidney yang deficiency, a narrower syndrome of
    # the one asked (its components are 脾阳虚证 and 肾阳虚证): counted fully.
    assert any(
        "脾肾阳虚证 spleen-kidney yang deficiency — queried syndrome, ×1" in t for t in lines
    ), lines
    wait_until(d, "!document.getElementById('detail-title').textContent.includes('loading')")
    assert "within 肾阳虚证" in d.find_element(By.ID, "detail-title").text
    assert "traditional 1.000 (not in the score)" in d.find_element(By.ID, "detail-summary").text
    assert "有毒 toxic" in d.find_element(By.ID, "safety").text
    assert "candidate=" in d.current_url and "syndrome=" in d.current_url
    screenshot(d, "desktop-syndrome-3-evidence")

    # The link keeps the syndrome: opening it again ranks within it, its name in the field.
    link = d.current_url
    d.get("about:blank")
    d.get(link)
    wait_for(d, "#cards .evidence-card .population")
    assert d.find_element(By.ID, "syndrome").get_attribute("value") == "肾阳虚证"
    assert d.find_element(By.CSS_SELECTOR, "#ranking th[data-sort='traditional']").is_displayed()

    # Without a syndrome there is no Traditional column, and evidence says no syndrome was asked.
    d.find_element(By.ID, "syndrome").clear()
    d.find_element(By.ID, "search-button").click()
    wait_until(d, "!document.querySelector(\"#ranking th[data-sort='traditional']\")")
    assert not d.find_elements(By.CSS_SELECTOR, "#ranking td.traditional")
    assert not d.find_element(By.ID, "syndrome-note").is_displayed()
    assert "syndrome=" not in d.current_url

    # A link pasted over the open page (only its fragment changes) ranks within its syndrome.
    d.get(
        live_demo.url + "/#indication=Diabetes%20Mellitus&kind=tcm&syndrome=qi%20yin%20liang%20xu"
    )
    wait_until(d, "document.getElementById('syndrome-note').textContent.includes('益气养阴')")
    assert d.find_element(By.ID, "syndrome").get_attribute("value") == "qi yin liang xu"
    no_page_errors(d)


def test_an_unknown_syndrome_is_refused(live_demo: LiveServer, desktop: Chrome) -> None:
    from selenium.webdriver.common.by import By

    d = desktop
    open_page(d, live_demo.url + "/")
    wait_for(d, "#indication").send_keys("Diabetes Mellitus")
    d.find_element(By.ID, "syndrome").send_keys("no such syndrome xyzzy")
    d.find_element(By.ID, "search-button").click()
    wait_until(d, "document.getElementById('status').classList.contains('error')")
    assert "no syndrome named" in d.find_element(By.ID, "status").text
    assert not d.find_element(By.ID, "results").is_displayed()
    # The refusal is the only error the browser logged.
    logs = d.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [e["message"] for e in logs if e["level"] == "SEVERE"]
    assert all("404" in e for e in errors), errors


def test_browse_herbs_by_action_and_syndromes_by_name(
    live_demo: LiveServer, desktop: Chrome
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = desktop
    open_page(d, live_demo.url + "/")
    wait_until(d, "document.getElementById('browse-action').options.length > 1")
    action = Select(d.find_element(By.ID, "browse-action"))
    assert "补气 · bu qi · tonify qi" in [o.text for o in action.options]
    action.select_by_value("TCMKG.ACTION:bu-qi")
    d.find_element(By.ID, "browse-run").click()
    herb = wait_for(d, "#browse-results li[data-id='TCMKG.HERB:astragali-radix']")
    assert "黄芪" in herb.text and "Astragalus root" in herb.text, herb.text
    items = d.find_elements(By.CSS_SELECTOR, "#browse-results li")
    assert all("补气 tonify qi" in li.text for li in items), [li.text for li in items]
    assert "tonify qi" in d.find_element(By.ID, "browse-status").text
    herb.location_once_scrolled_into_view  # noqa: B018 - scrolls the list into the screenshot
    screenshot(d, "desktop-syndrome-4-browse-herbs")

    # Syndromes by name, then the formulas indicated for one of them.
    Select(d.find_element(By.ID, "browse-kind")).select_by_value("syndromes")
    assert not d.find_element(By.ID, "browse-action").is_enabled()
    d.find_element(By.ID, "browse-syndrome").send_keys("肾阳")
    d.find_element(By.ID, "browse-run").click()
    found = wait_for(d, f"#browse-results li[data-id='{KIDNEY_YANG}']")
    assert "肾阳虚证" in found.text and "kidney yang deficiency" in found.text, found.text
    assert "温补肾阳" in found.text
    found.find_element(By.XPATH, ".//button[contains(., 'formulas indicated for it')]").click()
    pill = wait_for(d, f"#browse-results li[data-id='{KIDNEY_QI_PILL}']")
    assert "Kidney Qi Pill" in pill.text and "肾阳虚证" in pill.text, pill.text
    no_page_errors(d)


def test_syndrome_ranking_and_browse_fit_a_phone(live_demo: LiveServer, phone: Chrome) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = phone
    open_page(d, live_demo.url + "/")
    texts = syndrome_suggestions(d, "qi and yin")
    assert any(QI_YIN in t for t in texts), texts
    assert page_overflow(d) <= 1
    screenshot(d, "phone-syndrome-1-suggestions")

    d.get("about:blank")  # a new page load, not a change of the address's fragment
    d.get(
        live_demo.url
        + "/#indication=Diabetes%20Mellitus&kind=tcm&syndrome="
        + quote(KIDNEY_YANG, safe="")
    )
    row = wait_for(d, f"#ranking tr[data-id='{KIDNEY_QI_PILL}']")
    assert page_overflow(d) <= 1, "the page is wider than a phone screen"
    width = d.execute_script("return innerWidth")
    # On the card: the traditional value and the Pharmacopoeia grade, inside the screen.
    for css in ("td.traditional", "td.safety .flag.pharmacopoeia"):
        cell = row.find_element(By.CSS_SELECTOR, css)
        left, right = d.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", cell
        )
        assert cell.is_displayed() and left >= 0 and right <= width, (css, left, right)
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "syndrome-note"))
    screenshot(d, "phone-syndrome-2-ranking")

    row.click()
    population = wait_for(d, "#cards .evidence-card .population")
    assert POPULATION.fullmatch(population.text), population.text
    d.execute_script("arguments[0].scrollIntoView()", population)
    screenshot(d, "phone-syndrome-3-evidence")

    Select(d.find_element(By.ID, "browse-kind")).select_by_value("herb")
    wait_until(d, "document.getElementById('browse-action').options.length > 1")
    Select(d.find_element(By.ID, "browse-action")).select_by_value("TCMKG.ACTION:bu-yang")
    d.find_element(By.ID, "browse-run").click()
    first = wait_for(d, "#browse-results li")
    assert "补阳 tonify yang" in first.text, first.text
    assert page_overflow(d) <= 1, "the browse view is wider than a phone screen"
    d.execute_script("document.getElementById('browse-title').scrollIntoView()")
    screenshot(d, "phone-syndrome-4-browse")
    no_page_errors(d)


def test_the_dossier_within_a_syndrome(live_demo: LiveServer) -> None:
    import httpx

    params = {
        "candidate": "Jin Gui Shen Qi Wan",
        "indication": "diabetic nephropathy",
        "syndrome": "shen yang xu",
    }
    with httpx.Client(base_url=live_demo.url, timeout=60) as client:
        page = client.get("/dossier", params=params)
        assert page.status_code == 200
        text = " ".join(page.text.split())
        assert "within 肾阳虚证 kidney yang deficiency" in text
        assert "<b>Traditional axis 1.000</b>" in text
        # The trial of spleen–kidney yang deficiency patients: a narrower syndrome, counted fully.
        assert "脾肾阳虚证 spleen-kidney yang deficiency (queried, weight × 1.0)" in text
        safety = text[text.index('id="safety"') : text.index('id="scoring"')]
        assert "有毒 toxic" in safety and "prepared aconite lateral root" in safety
        missing = client.get("/dossier", params={**params, "syndrome": "shen yang xuu"})
        assert missing.status_code == 404 and missing.json()["suggestions"]
