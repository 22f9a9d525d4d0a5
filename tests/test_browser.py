"""The page in a real browser: Debian's Chromium driven by Playwright (installed by .ci/run)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
SCREENSHOTS = ROOT / "build" / "screenshots"
# Headless on a machine with no network: no GPU, no background calls to Google's servers.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(app_url):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        yield page
        browser.close()


def upload_and_click(page, url: str, path: Path) -> None:
    page.goto(url)
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.locator("#unmask-button").click()


def test_unmask_an_example_in_the_browser(page, app_url):
    upload_and_click(page, app_url, EXAMPLES / "astronaut_surgical.jpg")
    expect = playwright_api.expect
    expect(page.locator("#found textarea")).to_have_value(re.compile("1 face unmasked"), timeout=90_000)
    expect(page.locator("#result-slider img").first).to_be_visible()
    assert page.locator("#result-slider img").count() >= 2  # before and after
    expect(page.locator("#result-sketch img").first).to_be_visible()
    expect(page.get_by_text("synthesized guess, not the person's real face")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "unmask_example.png"), full_page=True)


def test_a_non_image_shows_the_error_text(page, app_url, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a photo")
    upload_and_click(page, app_url, fake)
    playwright_api.expect(page.get_by_text("Could not read that file").first).to_be_visible(timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "not_an_image.png"), full_page=True)
