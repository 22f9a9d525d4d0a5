"""Live mode: frames per second and latency of one face at 640x480, as the webcam tab draws them.

    python -m bench.live --frames 100

Times, in one run and on the same frame (the masked example, 640x480): the app's per-frame path
(``Unmasker.unmask_frame``: one detector look, masknet's region as found, no sketch), a full
request of the same frame (``Unmasker.unmask``) for comparison, and the served page's
``/live_frame`` endpoint called back to back by one client (JPEG in and out over loopback).
Printed as a table; frames per second is 1 / the median time per frame.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def webcam_frame() -> np.ndarray:
    face = np.asarray(Image.open(ROOT / "examples" / "astronaut_surgical.jpg").convert("RGB").resize((480, 480)))
    return np.pad(face, ((0, 0), (80, 80), (0, 0)), mode="edge")


def timed(call, repeats: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def row(name: str, times: list[float]) -> str:
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    return f"| {name} | {1000 * median:.0f} | {1000 * p90:.0f} | {1 / median:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--no-server", action="store_true", help="skip the served endpoint")
    args = parser.parse_args()

    from unmask import Unmasker

    frame = webcam_frame()
    unmasker = Unmasker()
    found = len(unmasker.unmask_frame(frame).faces)
    rows = [row("live frame (Unmasker.unmask_frame)", timed(lambda: unmasker.unmask_frame(frame), args.frames)),
            row("full request of the same frame (Unmasker.unmask)", timed(lambda: unmasker.unmask(frame), max(10, args.frames // 4)))]
    if not args.no_server:
        from gradio_client import Client, handle_file

        from bench.load_test import free_port, start_app

        port = free_port()
        scratch = Path(tempfile.mkdtemp())
        server = start_app(port, scratch / "app.log", scratch / "server-cache")
        try:
            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            path = Path(tempfile.mkdtemp()) / "frame.jpg"
            Image.fromarray(frame).save(path, quality=85)
            rows.append(row("served /live_frame, one client back to back (JPEG over loopback)",
                            timed(lambda: client.predict(handle_file(str(path)), api_name="/live_frame"), args.frames // 2)))
        finally:
            server.terminate()
            server.wait(30)
    print(f"one face found per frame: {found}; 640x480; precision {unmasker.model.precision}\n")
    print("| path | median ms | p90 ms | frames per second |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
