"""unmask: show a plausible face under a face mask. The output is a synthesized guess.

    from unmask import Unmasker
    result = Unmasker().unmask_file("selfie.jpg")   # result.image, result.sketch, result.faces

Importing the package is light: TensorFlow loads with the first ``Unmasker``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unmask.pipeline import NoFaceFound, PaintingMismatch, Result, Unmasker

__all__ = ["Unmasker", "Result", "NoFaceFound", "PaintingMismatch"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from unmask import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'unmask' has no attribute {name!r}")
