"""Quiet start-up for the CLI: TensorFlow's C++ start-up lines silenced unless asked for.

TensorFlow 2.21 prints oneDNN and CPU-feature notices from C++ (absl) while it is imported, before
``TF_CPP_MIN_LOG_LEVEL`` (which ``unmask.models`` sets to 2) is read, so no setting hides them: the import runs with the process's
stderr pointed at the null device, and Python-side library loggers are set to errors only.
"""
from __future__ import annotations

import logging
import os
import sys

LIBRARY_LOGGERS = ("tensorflow", "absl", "keras", "h5py", "huggingface_hub")


def start(verbose: bool = False) -> None:
    """Import TensorFlow now, silently unless ``verbose``; our own warnings still show as one line."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    if verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        import tensorflow  # noqa: F401
        return
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                import tensorflow  # noqa: F401
                import keras  # noqa: F401
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
