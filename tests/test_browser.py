"""The page in a real browser: Debian's Chromium driven by Playwright (installed by .ci/run)."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from docs.page_tour import CHROMIUM_ARGS, TOUR, fake_webcam, open_page, stop_live, unmask_a_photo, upload

from .conftest import EXAMPLES, ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def browser_context(app_url, tmp_path_factory):
    camera = fake_webcam(tmp_path_factory.mktemp("camera") / "webcam.y4m")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera)
        yield browser.new_context(viewport={"width": 1280, "height": 1000}, permissions=["camera"])
        browser.close()


@pytest.fixture
def page(browser_context):
    """A fresh tab for each test, as a new visitor's."""
    tab = browser_context.new_page()
    yield tab
    tab.close()


def upload_and_click(page, url: str, path: Path) -> None:
    """A new visitor's page; ``path`` uploaded and unmasked, its result in place of the first example's."""
    open_page(page, playwright_api.expect, url)
    unmask_a_photo(page, playwright_api.expect, path)


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
    """The words in a toast, and no result for it. (A new visitor's page opens with the first
    example and its result, which Gradio preloads: that stays as it was.)"""
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a photo")
    open_page(page, playwright_api.expect, app_url)
    upload(page, playwright_api.expect, "unmask-tab", fake)
    results = page.locator("#result-slider img, #result-sketch img")
    shown = [results.nth(i).get_attribute("src") for i in range(results.count())]
    page.locator("#unmask-button").click()
    toast = page.locator(".toast-body").filter(has_text="Could not read that file")
    playwright_api.expect(toast.first).to_contain_text("not a supported image file", timeout=60_000)
    assert [results.nth(i).get_attribute("src") for i in range(results.count())] == shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "not_an_image.png"), full_page=True)


def longest_run(flags: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    starts, stops = edges[::2], edges[1::2]
    longest = int(np.argmax(stops - starts))
    return int(starts[longest]), int(stops[longest] - starts[longest])


def after_image(page) -> np.ndarray:
    source = page.locator("#result-slider img").nth(1).get_attribute("src")
    return np.asarray(Image.open(io.BytesIO(page.request.get(source).body())).convert("RGB"), int)


def test_paint_over_a_missed_piece_and_unmask_again(page, app_url):
    """The accordion's editor holds the result after a run; a brush stroke there is redrawn on the next run."""
    upload_and_click(page, app_url, EXAMPLES / "astronaut_surgical.jpg")
    playwright_api.expect(page.locator("#found textarea")).to_have_value(re.compile("1 face unmasked"), timeout=90_000)
    first = after_image(page)
    page.get_by_text("A piece of the mask left?").click()
    canvas = page.locator("#painting canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    # Where the 512 px photo sits on the canvas: the longest run of non-white pixels across its middle.
    shot = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), int)
    box = canvas.bounding_box()
    photo = np.abs(shot - 255).sum(axis=2) > 30
    left, width = longest_run(photo[len(shot) // 2])
    top, _ = longest_run(photo[:, left + width // 2])
    css_per_pixel = box["width"] / shot.shape[1]
    scale = width * css_per_pixel / 512
    x0, y0 = box["x"] + left * css_per_pixel, box["y"] + top * css_per_pixel
    page.mouse.move(x0 + 205 * scale, y0 + 83 * scale)  # the forehead, above the eyes (y = 100)
    page.mouse.down()
    page.mouse.move(x0 + 240 * scale, y0 + 83 * scale, steps=8)
    page.mouse.up()
    first_source = page.locator("#result-slider img").nth(1).get_attribute("src")
    page.locator("#repaint-button").click()
    playwright_api.expect(page.locator("#result-slider img").nth(1)).not_to_have_attribute("src", first_source, timeout=90_000)
    second = after_image(page)
    assert np.abs(second[78:88, 210:235] - first[78:88, 210:235]).mean() > 5  # the stroke was redrawn
    assert np.array_equal(second[:60, :60], first[:60, :60])  # far from it nothing moved
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "painted.png"), full_page=True)


# Last: its live stream keeps the server busy for a while after it is stopped.
def test_a_visitor_walks_every_tab(page, app_url):
    """Upload and unmask, put a mask on and take it off, the live webcam, a group: each tab's result shows."""
    open_page(page, playwright_api.expect, app_url)
    for tab, visit in TOUR.items():
        visit(page, playwright_api.expect)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"tour-{tab}.png"), full_page=True)
        if tab == "live":
            rate = page.locator("#live-rate").inner_text()
            assert re.search(r"\d+\.\d frames per second shown, \d+ ms", rate), rate
            stop_live(page)
    expect_text = page.locator("#group-text textarea").input_value()
    assert re.search(r"face \d: box", expect_text)
