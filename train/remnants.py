"""Training pairs for ``remnant``: the piece of mask a found region missed, seen on the inpainted result.

On real photos masknet's region can stop short of a binding under the eyes, a sliver by the ear
or the mask's lower edge, and the generator then leaves that piece standing beside the face it
drew. ``remnant`` is shown the result with the region and learns to point at such pieces. Its
pairs come from the synthetic split, whose true regions are known:

- **cut**: a piece of the true region is taken out of the region the generator is given (a band
  along its top, a side or its bottom, or a bite out of its edge), so the generator leaves that
  piece of rendered mask standing; the target is the piece. One pair in four is left whole, with
  no target, so that a clean result is left alone.
- **drawn**: on half the pairs a band just outside the region is painted over as the kinds the
  renderer never drew: a white binding, clear plastic with a bright rim, or a strip of another
  face's lower half (a print). The target grows by the band.

One function per kind, one factory each (``cut_region``, ``draw_remnant``), as in LaMa's masks.
"""
from __future__ import annotations

import cv2
import numpy as np
from tqdm import tqdm

from unmask.models import FaceModel

CUT_KINDS = ("top", "top", "side", "side", "bottom", "edge", "none", "none")
DRAWN_SHARE = 0.5
DRAWN_STYLES = ("binding", "clear", "print")
MIN_VISIBLE = 15.0  # mean change (of 255) below which a drawn band is dropped: nobody could see it


def _band_rows(region: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """A random run of at least 30% of the region's rows (its columns for a transposed region)."""
    rows = np.flatnonzero(region.any(axis=1))
    span = rng.uniform(0.3, 1.0) * (rows.max() - rows.min())
    start = int(rng.uniform(rows.min(), rows.max() - span))
    return start, int(start + span)


def cut_side(region: np.ndarray, rng: np.random.Generator, width: int, side: str) -> np.ndarray:
    """``region`` less ``width`` px along its left or right edge, over part of its height."""
    found = region.copy()
    first, last = _band_rows(region, rng)
    for row in range(first, last + 1):
        columns = np.flatnonzero(region[row])
        if len(columns):
            if side == "left":
                found[row, columns.min(): columns.min() + width] = False
            else:
                found[row, max(columns.max() - width + 1, 0): columns.max() + 1] = False
    return found


def cut_top(region: np.ndarray, rng: np.random.Generator, width: int) -> np.ndarray:
    """``region`` less a band along its top edge: where a mask meets the face under the eyes."""
    return cut_side(region.T, rng, width, "left").T


def cut_bottom(region: np.ndarray, rng: np.random.Generator, width: int) -> np.ndarray:
    return cut_side(region.T, rng, width, "right").T


def cut_edge(region: np.ndarray, rng: np.random.Generator, width: int) -> np.ndarray:
    """``region`` less an ellipse centred on a random pixel of its edge."""
    edge = np.argwhere(region & ~(cv2.erode(region.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0))
    y, x = edge[rng.integers(len(edge))]
    bite = np.zeros(region.shape, np.uint8)
    axes = (int(rng.integers(3, 10)), int(rng.integers(3, 10)))
    cv2.ellipse(bite, (int(x), int(y)), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    return region & (bite == 0)


def cut_region(region: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The region the generator is given: ``region`` with one random piece missed (or whole)."""
    kind = CUT_KINDS[rng.integers(len(CUT_KINDS))]
    width = int(rng.integers(2, 9))
    if kind == "none" or region.sum() < 100:
        return region.copy()
    if kind == "side":
        return cut_side(region, rng, width, "left" if rng.random() < 0.5 else "right")
    return {"top": cut_top, "bottom": cut_bottom, "edge": cut_edge}[kind](region, rng, width)


def band_outside(found: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pixels just outside ``found``: above its top edge (twice as likely), or beside a side."""
    where = ("top", "top", "left", "right")[rng.integers(4)]
    width = int(rng.integers(2, 8 if where == "top" else 6))
    flipped = found.T if where == "top" else found
    band = np.zeros_like(flipped)
    first, last = _band_rows(flipped, rng)
    for row in range(first, last + 1):
        columns = np.flatnonzero(flipped[row])
        if len(columns):
            if where == "right":
                band[row, columns.max() + 1: columns.max() + 1 + width] = True
            else:
                band[row, max(columns.min() - width, 0): columns.min()] = True
    return (band.T if where == "top" else band) & ~found


def binding(result: np.ndarray, band: np.ndarray, rng: np.random.Generator, prints: np.ndarray) -> tuple[np.ndarray, float]:
    """A white or light grey edge binding, nearly opaque."""
    colour = rng.uniform(170, 255) + rng.normal(0, 8, 3)
    return np.clip(colour + rng.normal(0, 6, result.shape), 0, 255), rng.uniform(0.75, 1.0)


def clear_plastic(result: np.ndarray, band: np.ndarray, rng: np.random.Generator, prints: np.ndarray) -> tuple[np.ndarray, float]:
    """A clear nose piece or seal: the face shows through, paler, with a bright rim."""
    layer = np.clip(result * 0.5 + rng.uniform(170, 255) * 0.5 + rng.normal(0, 4, result.shape), 0, 255)
    rim = band & ~(cv2.erode(band.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    layer[rim] = 235
    return layer, rng.uniform(0.6, 0.9)


def printed(result: np.ndarray, band: np.ndarray, rng: np.random.Generator, prints: np.ndarray) -> tuple[np.ndarray, float]:
    """A strip of another pair's lower face (a mask, or a face where the cut left none), shifted."""
    source = prints[rng.integers(len(prints))].astype(np.float32)
    shift = (int(rng.integers(-20, 21)), int(rng.integers(-30, 31)))
    return cv2.GaussianBlur(np.roll(source, shift, (0, 1)), (0, 0), 0.6), 1.0


STYLES = {"binding": binding, "clear": clear_plastic, "print": printed}


def draw_remnant(result: np.ndarray, found: np.ndarray, rng: np.random.Generator,
                 prints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``result`` with a band just outside ``found`` painted as a piece of mask; (image, band).
    The band is empty when it would not show."""
    band = band_outside(found, rng)
    if band.sum() < 10:
        return result, np.zeros_like(band)
    base = result.astype(np.float32)
    layer, opacity = STYLES[DRAWN_STYLES[rng.integers(len(DRAWN_STYLES))]](base, band, rng, prints)
    weight = cv2.GaussianBlur(band.astype(np.float32), (0, 0), 0.5) * ~found  # softened outwards only
    weight = weight[..., None] * opacity
    drawn = np.clip(base * (1 - weight) + layer * weight, 0, 255)
    if np.abs(drawn - base)[band].mean() < MIN_VISIBLE:
        return result, np.zeros_like(band)
    return drawn.astype(np.uint8), band


def inpainted(generator: FaceModel, crops: np.ndarray, regions: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """What the app shows: the generator's pixels inside each region, the crop's outside."""
    results = []
    for start in tqdm(range(0, len(crops), batch_size), desc="inpainting", unit="batch", leave=False):
        crop, region = crops[start: start + batch_size], regions[start: start + batch_size]
        drawn = generator.predict(np.concatenate([crop * ~region[..., None], region[..., None].astype(np.uint8) * 255], -1))
        results.append(np.where(region[..., None], drawn, crop))
    return np.concatenate(results)


def remnant_pairs(data: dict[str, np.ndarray], generator: FaceModel, seed: int) -> dict[str, np.ndarray]:
    """``remnant``'s inputs, (N, 128, 128, 4) uint8: the result and its region as 0/255, and
    targets, (N, 128, 128) bool: what of the mask the region missed, cut or drawn."""
    rng = np.random.default_rng(seed)
    truth = data["region"]
    found = np.stack([cut_region(region, rng) for region in truth])
    results = inpainted(generator, data["masked"], found)
    targets = truth & ~found
    for i in np.flatnonzero(rng.random(len(results)) < DRAWN_SHARE):
        if found[i].sum() >= 200:
            results[i], band = draw_remnant(results[i], found[i], rng, results)
            targets[i] |= band
    inputs = np.concatenate([results, found[..., None].astype(np.uint8) * 255], axis=-1)
    return {"inputs": inputs, "targets": targets}
