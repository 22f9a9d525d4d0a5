"""Shared fixtures. Nothing here needs ../shared/data: faces come from examples/ and scikit-image."""
from __future__ import annotations

import os
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
