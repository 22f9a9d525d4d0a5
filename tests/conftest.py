"""Shared fixtures. Nothing here needs ../shared/data: faces come from examples/ and scikit-image."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """An unmasked public-domain portrait (512x512 RGB)."""
    from skimage import data

    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_face(astronaut):
    from unmask import faces

    found = faces.detect(astronaut)
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="session")
def unmasker():
    from unmask.pipeline import Unmasker

    return Unmasker()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def unmasker_requests() -> list[tuple[str, str]]:
    """(model, sketch) of every Unmasker the served page asked for, in order."""
    return []


@pytest.fixture(scope="session")
def app_url(unmasker, unmasker_requests):
    """The real page, served on a free loopback port for the whole session (every request gets
    the session's default Unmasker; ``unmasker_requests`` records which one it asked for)."""
    import app

    demo = app.build_demo(lambda model, sketch: unmasker_requests.append((model, sketch)) or unmasker)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                            **app.LAUNCH_OPTIONS)
    yield url
    demo.close()


@pytest.fixture(scope="session")
def app_client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)
