"""The page in headless Chromium: a misspelt indication offers its near names as choices.

Typing "diabtes" and ranking answers 404 with suggestions; the page shows each as a button
("did you mean"), and clicking one ranks with that name and says what it covered ("covers:
Diabetes Mellitus; …", as ``tcmkg rank`` prints it). While typing, the suggestion list offers
the same near names when no name begins with the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.api.support import LiveServer
from tests.web.conftest import screenshot
from tests.web.test_web_page import wait_for, wait_until

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

pytestmark = pytest.mark.browser

DM = "MESH:D003920"


@pytest.fixture(scope="module")
def desktop(browser_factory: Callable[[int, int], Chrome]) -> Iterator[Chrome]:
    """Chromium at a 1280×800 window."""
    yield browser_factory(1280, 800)


def test_did_you_mean_is_a_choice_that_ranks(live_web: LiveServer, desktop: Chrome) -> None:
    from selenium.webdriver.common.by import By

    d = desktop
    d.get(live_web.url + "/")
    box = wait_for(d, "#indication")
    box.send_keys("diabtes")  # type: ignore[attr-defined]
    # The suggestion list offers near names when no name begins with the text.
    wait_for(d, "#suggestions li.near")
    near = [
        li.get_attribute("data-id") for li in d.find_elements(By.CSS_SELECTOR, "#suggestions li")
    ]
    assert DM in near and len(near) <= 5, near
    d.find_element(By.ID, "search-button").click()
    choice = wait_for(d, f"#did-you-mean button.choice[data-id='{DM}']")
    status = d.find_element(By.ID, "status").text
    assert "no indication named 'diabtes'" in status and "did you mean" not in status, status
    assert len(d.find_elements(By.CSS_SELECTOR, "#did-you-mean button.choice")) <= 5
    screenshot(d, "names-1-did-you-mean")

    name = choice.text  # type: ignore[attr-defined]
    assert name.lower().startswith("diabetes"), name
    choice.click()  # type: ignore[attr-defined]
    wait_for(d, "#ranking tbody tr")
    assert box.get_attribute("value") == name  # type: ignore[attr-defined]
    assert not d.find_element(By.ID, "did-you-mean").is_displayed()
    ids = [
        r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")
    ]
    assert "TCMKG.HERB:astragali-radix" in ids
    covers = str(wait_until(d, "document.getElementById('covers').textContent"))
    assert covers.startswith("covers: Diabetes Mellitus"), covers
    assert "Diabetes Mellitus, Type 2" in covers.split("; "), covers
    assert f"indication={DM.replace(':', '%3A')}" in d.current_url
    screenshot(d, "names-2-chosen")
    # The one error the console may hold is the 404 the misspelt name was answered with.
    logs = d.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [e["message"] for e in logs if e["level"] == "SEVERE"]
    assert all("indication=diabtes" in e and "404" in e for e in errors), errors
