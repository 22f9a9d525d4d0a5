"""Load test: concurrent gradio_client users against a locally launched app.

    python -m bench.load_test --clients 8 --requests 5 --burst 40

Starts ``python app.py`` on a free loopback port, sends ``clients x requests`` unmask calls from
that many concurrent clients, then a burst of simultaneous calls larger than the queue, and
prints a table: answered, failed, busy refusals, p50/p95 latency, and the server's peak RSS.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
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


def start_app(port: int) -> subprocess.Popen:
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1")
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 180
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("app did not start within 180 s")


def one_call(url: str, client=None) -> tuple[str, float, str]:
    """(outcome, seconds, message) of one unmask call; outcome is ok, busy or failed."""
    from gradio_client import Client, handle_file

    client = client or Client(url, verbose=False)
    start = time.perf_counter()
    try:
        client.predict(handle_file(str(EXAMPLE)), "rgb2rgb", api_name="/unmask")
        return "ok", time.perf_counter() - start, ""
    except Exception as error:  # the client raises whatever the server said
        message = str(error)
        outcome = "busy" if "queue is full" in message.lower() else "failed"
        return outcome, time.perf_counter() - start, message[:200]


def run_clients(url: str, clients: int, requests: int) -> list[tuple[str, float, str]]:
    from gradio_client import Client

    results: list[tuple[str, float, str]] = []
    lock = threading.Lock()

    def user() -> None:
        client = Client(url, verbose=False)
        for _ in range(requests):
            outcome = one_call(url, client)
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
    ok = [seconds for outcome, seconds, _ in results if outcome == "ok"]
    busy = sum(outcome == "busy" for outcome, _, _ in results)
    failed = [message for outcome, _, message in results if outcome == "failed"]
    p50 = statistics.median(ok) if ok else float("nan")
    p95 = statistics.quantiles(ok, n=20)[-1] if len(ok) >= 2 else float("nan")
    line = f"| {name} | {len(results)} | {len(ok)} | {busy} | {len(failed)} | {p50:.2f} | {p95:.2f} |"
    return line + (f"\n  first failure: {failed[0]}" if failed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5, help="per client")
    parser.add_argument("--burst", type=int, default=40, help="simultaneous calls, more than the queue holds")
    args = parser.parse_args()
    port = free_port()
    server = start_app(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        rss_idle = peak_rss_mib(server.pid)
        steady = run_clients(url, args.clients, args.requests)
        rss_steady = peak_rss_mib(server.pid)
        burst = run_burst(url, args.burst) if args.burst else []
        rss_burst = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    print("| phase | requests | answered | busy (queue full) | failed | p50 s | p95 s |")
    print("|---|---|---|---|---|---|---|")
    print(summarise(f"{args.clients} clients x {args.requests}", steady))
    if burst:
        print(summarise(f"burst of {args.burst}", burst))
        busy_messages = {message for outcome, _, message in burst if outcome == "busy"}
        if busy_messages:
            print(f"busy users were told: {sorted(busy_messages)[0]}")
    print(f"\npeak RSS of the server: {rss_idle:.0f} MiB after start, {rss_steady:.0f} MiB after the steady phase, "
          f"{rss_burst:.0f} MiB after the burst")


if __name__ == "__main__":
    main()
