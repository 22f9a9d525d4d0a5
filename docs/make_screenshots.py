"""Screenshots of the page as a visitor sees it, at desktop and phone widths, for the README and docs.

    python -m docs.make_screenshots          # writes docs/screenshots/<scene>-<width>.png

Serves the real page on a free loopback port and drives Debian's Chromium with Playwright
(``apt-get install chromium``). Each scene does what a visitor does on one tab, then the whole
page is captured. Rerun it whenever the page changes, and look at every picture: nothing cut
off, readable on a phone.
"""
from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
EXAMPLE = ROOT / "examples" / "astronaut_surgical.jpg"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def unmask_a_photo(page, expect) -> None:
    page.locator("input[type=file]").first.set_input_files(str(EXAMPLE))
    page.locator("#unmask-button").click()
    expect(page.locator("#found textarea")).to_have_value(re.compile("unmasked"), timeout=120_000)
    expect(page.locator("#result-slider img").first).to_be_visible()


SCENES: dict[str, Callable] = {"unmask": unmask_a_photo}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    import app

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    demo = app.build_demo()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                            **app.LAUNCH_OPTIONS)
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for width_name, viewport in VIEWPORTS.items():
                page = browser.new_page(viewport=viewport)
                for scene, act in SCENES.items():
                    page.goto(url)
                    act(page, expect)
                    page.wait_for_timeout(500)
                    path = OUT / f"{scene}-{width_name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)
                    print(f"wrote {path.relative_to(ROOT)}")
                page.close()
            browser.close()
    finally:
        demo.close()
    return written


if __name__ == "__main__":
    main()
