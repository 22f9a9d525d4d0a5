"""A short version of bench/load_test.py: concurrent users all answered, a burst past the queue
told it is busy, nobody left hanging."""
from __future__ import annotations

import app
from bench.load_test import run_burst, run_clients


def test_concurrent_clients_are_all_answered(app_url):
    results = run_clients(app_url, clients=4, requests=2)
    assert [outcome for outcome, _, _ in results] == ["ok"] * 8


def test_a_burst_past_the_queue_is_told_to_try_again(app_url):
    results = run_burst(app_url, app.QUEUE_MAX_SIZE + 8)
    outcomes = [outcome for outcome, _, _ in results]
    assert "failed" not in outcomes, results
    assert outcomes.count("ok") >= app.QUEUE_MAX_SIZE - 1
    assert outcomes.count("busy") >= 1
    assert all("try again" in message for outcome, _, message in results if outcome == "busy")
