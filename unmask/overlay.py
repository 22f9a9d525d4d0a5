"""Pictures that explain a result: the faces found, numbered, and the pixels that were invented.

Drawn on a copy of the photo, with line widths and text sized to the photo, so a group photo of
4000 px and a 300 px crop read alike.
"""
from __future__ import annotations

import cv2
import numpy as np

UNMASKED = (40, 200, 90)  # green: this face was (or will be) unmasked
LEFT_ALONE = (255, 150, 0)  # orange: found, but left as it was
OUTLINE = (255, 0, 255)  # magenta: the edge of what was redrawn


def _sizes(image: np.ndarray) -> tuple[int, float]:
    side = max(image.shape[:2])
    return max(2, round(side / 300)), max(0.5, side / 900)


def label(image: np.ndarray, text: str, corner: tuple[int, int], colour: tuple[int, int, int]) -> None:
    """Text on a filled tag above ``corner`` (x, y), kept inside the photo."""
    thickness, scale = _sizes(image)
    (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = int(np.clip(corner[0], 0, max(image.shape[1] - width - 4, 0)))
    y = int(np.clip(corner[1], height + base + 4, image.shape[0]))
    cv2.rectangle(image, (x, y - height - base - 4), (x + width + 4, y), colour, -1)
    cv2.putText(image, text, (x + 2, y - base - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def faces(image: np.ndarray, found: list, outline: np.ndarray | None = None) -> np.ndarray:
    """A copy of ``image`` with each face of ``found`` (``pipeline.FoundFace`` or ``FaceResult``:
    anything with ``number``, ``box`` and ``left_alone``) boxed and numbered, and, with
    ``outline`` ((H, W) bool, ``Result.redrawn``), the edge of what was redrawn."""
    drawn = np.ascontiguousarray(image[..., :3]).copy()
    thickness, _ = _sizes(drawn)
    if outline is not None and outline.any():
        contours, _ = cv2.findContours(outline.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(drawn, contours, -1, OUTLINE, thickness, cv2.LINE_AA)
    for face in found:
        x, y, width, height = face.box
        why = getattr(face, "left_alone", None)
        colour = LEFT_ALONE if why else UNMASKED
        cv2.rectangle(drawn, (x, y), (x + width, y + height), colour, thickness)
        label(drawn, str(face.number) + (f": {why}" if why else ""), (x, y), colour)
    return drawn
