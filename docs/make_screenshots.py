"""Screenshots of every tab as a visitor sees it, at desktop and phone widths, for the README and docs.

    python -m docs.make_screenshots          # writes docs/screenshots/<tab>-<width>.png

Serves the real page on a free loopback port and drives Debian's Chromium with Playwright
(``apt-get install chromium``) through ``docs.page_tour``, the same steps the browser test takes.
Rerun it whenever the page changes, and look at every picture: nothing cut off, readable on a phone.
"""
from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

from docs.page_tour import CHROMIUM_ARGS, ROOT, TOUR, fake_webcam, open_page, stop_live

OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


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
    app.cached_unmasker(app.models.DEFAULT_MODEL, app.models.DEFAULT_SKETCH_MODEL)  # warm, as `python app.py` is
    demo = app.build_demo()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                            **app.LAUNCH_OPTIONS)
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
            camera = fake_webcam(Path(folder) / "webcam.y4m")
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS + camera)
            for width_name, viewport in VIEWPORTS.items():
                context = browser.new_context(viewport=viewport, permissions=["camera"])
                page = context.new_page()
                open_page(page, expect, url)
                for tab, visit in TOUR.items():
                    visit(page, expect)
                    page.wait_for_timeout(1500 if tab == "live" else 500)
                    path = OUT / f"{tab}-{width_name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)
                    print(f"wrote {path.relative_to(ROOT)}")
                    if tab == "live":
                        stop_live(page)
                context.close()
            browser.close()
    finally:
        demo.close()
    return written


if __name__ == "__main__":
    main()
