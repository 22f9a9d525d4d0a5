"""What a visitor does on each tab of the page, as Playwright steps: the browser test walks them,
``docs/make_screenshots.py`` photographs them. Each step waits until the visitor sees the result.

The live tab needs a camera: Chromium is given a fake one that plays ``fake_webcam`` (a masked
face, 640x480) with ``CHROMIUM_ARGS``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WAIT_MS = 120_000  # a cold model on a busy 2-core machine
# Headless on a machine with no network: no GPU, no background calls to Google's servers, a fake camera.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def fake_webcam(path: Path, frames: int = 20) -> list[str]:
    """Write a YUV4MPEG2 video of the masked astronaut at 640x480 for Chromium's fake camera; the
    extra Chromium argument that plays it."""
    face = np.asarray(Image.open(EXAMPLES / "astronaut_surgical.jpg").convert("RGB").resize((480, 480)))
    frame = np.pad(face, ((0, 0), (80, 80), (0, 0)), mode="edge")
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        planes = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes()
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return [f"--use-file-for-fake-video-capture={path}"]


def shows(name: str) -> re.Pattern:
    """The src of an image that shows the file ``name`` (Gradio serves it under a folder of its own)."""
    return re.compile("/" + re.escape(name) + "$")


def open_page(page, expect, url: str) -> None:
    """Open the page and wait until it has put its first example in the Unmask tab's photo and that
    example's result beside it: an upload made before the example lands is overwritten by it (the
    browser test's flake until 2026-12-06), and a result read before its own lands reads as none
    (2026-12-07)."""
    import app

    page.goto(url)
    first_example = Path(app.example_files("masked")[0]).name
    expect(page.locator("#unmask-tab-photo img").first).to_have_attribute("src", shows(first_example), timeout=WAIT_MS)
    expect(page.locator("#result-sketch img").first).to_have_attribute("src", shows("sketch.jpg"), timeout=WAIT_MS)
    expect(page.locator("#result-slider img").nth(1)).to_have_attribute("src", re.compile("."), timeout=WAIT_MS)


def upload(page, expect, tab: str, photo: Path) -> None:
    """Put a file in the tab's first image input and wait until the page shows that file."""
    page.locator(f"#{tab}-photo input[type=file]").first.set_input_files(str(photo))
    expect(page.locator(f"#{tab}-photo img").first).to_have_attribute("src", shows(photo.name), timeout=WAIT_MS)


def unmask_a_photo(page, expect, photo: Path = EXAMPLES / "astronaut_surgical.jpg") -> None:
    """Upload and unmask ``photo``; returns once its result has replaced the first example's."""
    page.get_by_role("tab", name="Unmask", exact=True).click()
    upload(page, expect, "unmask-tab", photo)
    after = page.locator("#result-slider img").nth(1)
    example_result = after.get_attribute("src")
    page.locator("#unmask-button").click()
    expect(after).not_to_have_attribute("src", example_result or "", timeout=WAIT_MS)
    expect(page.locator("#found textarea")).to_have_value(re.compile(r"faces? unmasked \(synthesized"), timeout=WAIT_MS)


def put_a_mask_on(page, expect) -> None:
    page.get_by_role("tab", name="Mask on/off").click()
    upload(page, expect, "mask-on-tab", EXAMPLES / "unmasked_astronaut.jpg")
    page.locator("#mask-on-button").click()
    expect(page.locator("#mask-on-score")).to_contain_text("dB PSNR", timeout=WAIT_MS)
    expect(page.locator("#mask-on-guess img").first).to_be_visible()


def go_live(page, expect) -> None:
    page.get_by_role("tab", name="Live").click()
    page.get_by_text("Click to Access Webcam").click()
    page.locator("#live-webcam button").filter(has_text="Record").first.click()
    expect(page.locator("#live-rate")).to_contain_text("frames per second", timeout=WAIT_MS)
    expect(page.locator("#live-view img").first).to_be_visible()


def stop_live(page) -> None:
    """Stop the webcam's stream (it would go on drawing frames while the visitor looks elsewhere)."""
    page.get_by_role("tab", name="Live").click()
    page.locator("#live-webcam button").filter(has_text="Stop").first.click()


def choose_faces_in_a_group(page, expect) -> None:
    page.get_by_role("tab", name="Group").click()
    upload(page, expect, "group-tab", EXAMPLES / "group.jpg")
    page.locator("#find-button").click()
    expect(page.locator("#group-text textarea")).to_have_value(re.compile("face 1:"), timeout=WAIT_MS)
    page.locator("#group-button").click()
    expect(page.locator("#group-text textarea")).to_have_value(re.compile(r"faces? unmasked \(synthesized"), timeout=WAIT_MS)
    expect(page.locator("#group-view img").first).to_be_visible()


TOUR: dict[str, Callable] = {"unmask": unmask_a_photo, "mask-on": put_a_mask_on, "live": go_live,
                             "group": choose_faces_in_a_group}
