"""Load test and soak: concurrent gradio_client users against a locally launched app.

    python -m bench.load_test --clients 16 --requests 13 --burst 40
    python -m bench.load_test --clients 0 --burst 0 --soak-minutes 30

Starts ``python app.py`` on a free loopback port, sends ``clients x requests`` unmask calls from
that many concurrent clients (a "queue is full" answer is retried after a pause, and counted),
then a burst of simultaneous calls larger than the queue, and prints a table: answered, failed,
busy refusals, retries, p50/p95 latency, and the server's peak RSS. ``--soak-minutes`` then sends
mixed traffic (uploads, painted, put-a-mask-on, live frames, group) from four clients and samples
the server's resident memory, open files and temporary folders every ``--sample-seconds``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "astronaut_surgical.jpg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_app(port: int, log: Path, cache: Path) -> subprocess.Popen:
    """``python app.py`` with its log written to ``log``: a pipe nobody reads fills up, and the
    server then stops in the middle of writing a line (seen in a soak). ``cache``: the server's
    own temporary folder (uploads and results), fresh, so that its size is the server's alone."""
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", GRADIO_TEMP_DIR=str(cache))
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.time() + 180
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("app did not start within 180 s")


def one_call(url: str, client=None, retries: int = 0) -> tuple[str, float, str]:
    """(outcome, seconds, message) of one unmask call; outcome is ok, busy, failed, or ok after N
    retries ("retried N"): a busy answer is retried after a second, ``retries`` times at most."""
    from gradio_client import Client, handle_file

    client = client or Client(url, verbose=False)
    start = time.perf_counter()
    for attempt in range(retries + 1):
        try:
            client.predict(handle_file(str(EXAMPLE)), "rgb2rgb", api_name="/unmask")
            return ("ok" if attempt == 0 else f"retried {attempt}"), time.perf_counter() - start, ""
        except Exception as error:  # the client raises whatever the server said
            message = str(error)
            if "queue is full" not in message.lower():
                return "failed", time.perf_counter() - start, message[:200]
            time.sleep(1.0)
    return "busy", time.perf_counter() - start, message[:200]


def run_clients(url: str, clients: int, requests: int) -> list[tuple[str, float, str]]:
    from gradio_client import Client

    results: list[tuple[str, float, str]] = []
    lock = threading.Lock()

    def user() -> None:
        client = Client(url, verbose=False)
        for _ in range(requests):
            outcome = one_call(url, client, retries=5)
            with lock:
                results.append(outcome)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(user) for _ in range(clients)]:
            future.result()
    return results


def run_burst(url: str, size: int) -> list[tuple[str, float, str]]:
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(size)]
    with ThreadPoolExecutor(size) as pool:
        return list(pool.map(lambda c: one_call(url, c), clients))


def summarise(name: str, results: list[tuple[str, float, str]]) -> str:
    ok = [seconds for outcome, seconds, _ in results if outcome == "ok" or outcome.startswith("retried")]
    retried = sum(int(outcome.split()[1]) for outcome, _, _ in results if outcome.startswith("retried"))
    busy = sum(outcome == "busy" for outcome, _, _ in results)
    failed = [message for outcome, _, message in results if outcome == "failed"]
    p50 = statistics.median(ok) if ok else float("nan")
    p95 = statistics.quantiles(ok, n=20)[-1] if len(ok) >= 2 else float("nan")
    line = f"| {name} | {len(results)} | {len(ok)} | {busy} | {retried} | {len(failed)} | {p50:.2f} | {p95:.2f} |"
    return line + (f"\n  first failure: {failed[0]}" if failed else "")


def server_sample(pid: int, folders: list[Path]) -> dict[str, float]:
    """Resident memory (MiB), open file descriptors and the size of the temporary folders (MiB)."""
    rss = next(int(line.split()[1]) / 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    files = len(os.listdir(f"/proc/{pid}/fd"))
    size = 0
    for folder in folders:  # the server deletes files while they are counted
        for parent, _, names in os.walk(folder):
            for name in names:
                try:
                    size += os.stat(os.path.join(parent, name)).st_size
                except FileNotFoundError:
                    pass
    return {"rss_mib": rss, "open_files": files, "temp_mib": size / 2**20}


def soak(url: str, pid: int, cache: Path, minutes: float, sample_seconds: float, distinct: bool = True) -> list[dict[str, float]]:
    """Mixed traffic from four clients for ``minutes``; a sample of the server every ``sample_seconds``.
    ``distinct``: every upload is a photo no one sent before (the example with a few pixels
    changed), as from many visitors; else the same files again and again."""
    import numpy as np
    from gradio_client import Client, handle_file
    from PIL import Image

    scratch = Path(tempfile.mkdtemp())
    layer = scratch / "layer.png"
    painted = np.zeros((512, 512, 4), np.uint8)
    painted[76:90, 200:240] = (255, 0, 255, 255)
    Image.fromarray(painted).save(layer)
    sources = {name: np.asarray(Image.open(ROOT / "examples" / f"{name}.jpg").convert("RGB"))
               for name in ("astronaut_surgical", "unmasked_astronaut", "group")}
    sent = iter(range(10**9))
    sent_lock = threading.Lock()

    def upload(name: str):
        if not distinct:
            return handle_file(str(ROOT / "examples" / f"{name}.jpg"))
        with sent_lock:
            number = next(sent)
        pixels = sources[name].copy()
        pixels[number % pixels.shape[0], : 8] = number % 251  # a mark in the corner, far from any face
        path = scratch / f"{number}-{name}.png"
        Image.fromarray(pixels).save(path)
        for old in scratch.glob(f"{number - 40}-*.png"):  # sent long ago: the client read it then
            old.unlink()
        return handle_file(str(path))

    def painted_call(c):
        photo = upload("astronaut_surgical")
        return c.predict(photo, "inpaint", {"background": photo, "layers": [handle_file(str(layer))], "composite": None},
                         api_name="/unmask_painted")

    calls = [
        lambda c: c.predict(upload("astronaut_surgical"), "inpaint", api_name="/unmask"),
        painted_call,
        lambda c: c.predict(upload("unmasked_astronaut"), "cloth", api_name="/put_mask_on"),
        lambda c: [c.predict(upload("astronaut_surgical"), api_name="/live_frame") for _ in range(5)],
        lambda c: c.predict(upload("group"), [1, 2], True, api_name="/unmask_faces"),
    ]
    stop = time.time() + 60 * minutes
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def user(offset: int) -> None:
        # The client's copies of the results go to our scratch folder: by default gradio_client
        # saves them in /tmp/gradio, the server's own cache, whose size is what is measured.
        client = Client(url, verbose=False, download_files=str(scratch / "downloads"))
        turn = offset
        while time.time() < stop:
            try:
                calls[turn % len(calls)](client)
                outcome = "ok"
            except Exception as error:
                outcome = "ok" if "queue is full" in str(error).lower() else "failed"
            with lock:
                counts[outcome] += 1
            turn += 1

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    samples, start = [], time.time()
    while time.time() < stop:
        samples.append({"minute": (time.time() - start) / 60, **server_sample(pid, [cache]), **counts})
        time.sleep(sample_seconds)
    for thread in threads:
        thread.join(120)
    samples.append({"minute": (time.time() - start) / 60, **server_sample(pid, [cache]), **counts})
    shutil.rmtree(scratch, ignore_errors=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5, help="per client")
    parser.add_argument("--burst", type=int, default=40, help="simultaneous calls, more than the queue holds")
    parser.add_argument("--soak-minutes", type=float, default=0.0, help="then mixed traffic for this long, sampled")
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--same-files", action="store_true", help="soak: send the example files themselves every time")
    args = parser.parse_args()
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "app.log"
    cache = log.parent / "server-cache"
    server = start_app(port, log, cache)
    url = f"http://127.0.0.1:{port}/"
    try:
        rss_idle = peak_rss_mib(server.pid)
        steady = run_clients(url, args.clients, args.requests) if args.clients else []
        rss_steady = peak_rss_mib(server.pid)
        burst = run_burst(url, args.burst) if args.burst else []
        rss_burst = peak_rss_mib(server.pid)
        samples = soak(url, server.pid, cache, args.soak_minutes, args.sample_seconds, not args.same_files) if args.soak_minutes else []
    finally:
        server.terminate()
        server.wait(30)
    print("| phase | requests | answered | busy (queue full, gave up) | retries after busy | failed | p50 s | p95 s |")
    print("|---|---|---|---|---|---|---|---|")
    if steady:
        print(summarise(f"{args.clients} clients x {args.requests}", steady))
    if burst:
        print(summarise(f"burst of {args.burst}", burst))
        busy_messages = {message for outcome, _, message in burst if outcome == "busy"}
        if busy_messages:
            print(f"busy users were told: {sorted(busy_messages)[0]}")
    lines = log.read_text(errors="replace").splitlines()
    print(f"\nserver log ({log}): {len(lines)} lines, {sum(line.startswith('Traceback') for line in lines)} tracebacks")
    print(f"peak RSS of the server: {rss_idle:.0f} MiB after start, {rss_steady:.0f} MiB after the steady phase, "
          f"{rss_burst:.0f} MiB after the burst")
    if samples:
        print("\n| minute | resident MiB | open files | temporary MiB | calls answered | failed |")
        print("|---|---|---|---|---|---|")
        for sample in samples:
            print(f"| {sample['minute']:.1f} | {sample['rss_mib']:.0f} | {sample['open_files']} | {sample['temp_mib']:.1f} | "
                  f"{sample['ok']} | {sample['failed']} |")
        warm = samples[max(1, len(samples) // 5)]
        last = samples[-1]
        print(f"\nafter warm-up (minute {warm['minute']:.1f}) to the end: resident memory "
              f"{100 * (last['rss_mib'] / warm['rss_mib'] - 1):+.1f}%, open files {last['open_files'] - warm['open_files']:+d}, "
              f"temporary space at most {max(s['temp_mib'] for s in samples):.1f} MiB")


if __name__ == "__main__":
    main()
