"""The photo's own grain in what was redrawn.

The models draw in a 128x128 frame; pasted back into a photo whose face is larger, or whose camera
left visible noise, the redrawn part is smoother than the skin around it, and reads as painted
on. ``match`` measures the fine texture (grey less its 1 px blur) of the photo just around the
redrawn region and adds the missing part of it inside the region as fine noise, so both sides
of the edge have the same grain. It adds no shapes: the noise is independent of the face, only
its strength is the photo's.
"""
from __future__ import annotations

import cv2
import numpy as np

RING = 0.15  # of the face's size: how far around the region the photo's own grain is measured


def fine_texture(grey: np.ndarray) -> np.ndarray:
    return grey - cv2.GaussianBlur(grey, (0, 0), 1.0)


def grain_of(texture: np.ndarray) -> float:
    """The grain's strength, robust to the edges (hair, jaw, a mask's rim) that pass through:
    the median absolute fine texture, scaled to a standard deviation as for Gaussian noise."""
    return 1.4826 * float(np.median(np.abs(texture))) if texture.size else 0.0


def match(result: np.ndarray, original: np.ndarray, redrawn: np.ndarray, face_size: float, seed: int = 0) -> np.ndarray:
    """``result`` with grain added where ``redrawn`` ((H, W) float weight, 1 inside) to match the
    photo's grain in a ring around it (``original`` there, never redrawn). Works in the region's
    bounding box; returns ``result`` unchanged where there is nothing to match."""
    inside = redrawn >= 0.5
    if inside.sum() < 20:
        return result
    x, y, width, height = cv2.boundingRect((redrawn > 0).view(np.uint8))
    reach = max(int(RING * face_size), 3)
    top, bottom = max(y - reach, 0), min(y + height + reach, result.shape[0])
    left, right = max(x - reach, 0), min(x + width + reach, result.shape[1])
    box = (slice(top, bottom), slice(left, right))
    near = cv2.dilate((redrawn[box] > 0).astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) > 0
    ring = near & (redrawn[box] == 0)
    if ring.sum() < 20:
        return result
    grey = lambda image: cv2.cvtColor(image[box], cv2.COLOR_RGB2GRAY).astype(np.float32)  # noqa: E731
    wanted = grain_of(fine_texture(grey(original))[ring])
    present = grain_of(fine_texture(grey(result))[inside[box]])
    missing = float(np.sqrt(max(wanted**2 - present**2, 0.0)))
    if missing < 0.5:  # under half a grey level: nothing a viewer would see
        return result
    noise = fine_texture(np.random.default_rng(seed).standard_normal(near.shape, dtype=np.float32))
    noise *= missing / max(grain_of(noise[::2, ::2]), 1e-6)  # a quarter of it measures the same grain
    out = result.copy()
    patch = out[box].astype(np.float32) + (noise * redrawn[box])[..., None]
    out[box] = np.clip(np.rint(patch), 0, 255).astype(np.uint8)
    return out
