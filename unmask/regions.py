"""Where the mask is in an aligned crop: masknet's answer, cleaned up and grown into the mask's own colours.

``find`` is what the app and the evaluation use. masknet learned masks from the synthetic
renderer; on real photos it finds the body of the mask but can stop short of parts the renderer
never drew (a print running down the neck, a binding round the edge, the side of a mask on a
turned head). Those parts share the colours of the part it found, so GrabCut, seeded with
masknet's region as the mask and the face around it as not-mask, grows the region into them. It
only ever adds pixels, never above the eyes, and only within ``COLOUR_BAND`` px of masknet's
region (``REACH_BELOW`` px more downwards, where masks and scarves hang on past the chin) or in
the border streaks of a tight crop: those copy the photo's edge, so a mask running off the photo
runs on through them, and counting them as surely not mask would teach GrabCut that the mask's
colours are the background's.
"""
from __future__ import annotations

import cv2
import numpy as np

from unmask import frame
from unmask.models import FaceModel

GROW = 2  # px every region is grown by, as in training, so the mask's anti-aliased edge is redrawn too
COLOUR_BAND = 10  # px beyond masknet's region that GrabCut may add
REACH_BELOW = 20  # px further that it may add below the region
# One round: a second added 28 px per face on average on the 975 faces of real_masked/ (some mask
# in the border streaks, some cheek and neck), scored no better on the 300 photo-test photos
# (region PSNR 16.70 dB against 16.72 with one) and took 16.0 ms a face against 10.7
# (docs/quality.md, 2026-12-06).
GRABCUT_ROUNDS = 1
SURE_MASK_PROBABILITY = 230  # of 255: pixels this sure (away from the edge) are never questioned


def find(segmenter: FaceModel, crops: np.ndarray, photo: np.ndarray | None = None, grow: int = GROW,
         by_colour: bool = True) -> np.ndarray:
    """(N, 128, 128) bool regions of the uint8 RGB ``crops``: masknet's, grown into the mask's
    colours (``by_colour=False``: masknet's alone, for comparison). ``photo``: (N, 128, 128) bool,
    the pixels that come from the photo (``frame.Crop.photo``); None when all of them do."""
    return from_probabilities(mask_probabilities(segmenter, crops), crops, photo, grow, by_colour)


def from_probabilities(probabilities: np.ndarray, crops: np.ndarray, photo: np.ndarray | None = None,
                       grow: int = GROW, by_colour: bool = True) -> np.ndarray:
    """``find`` from masknet's ``mask_probabilities`` already at hand (one masknet run, both regions)."""
    if not by_colour:
        return clean(probabilities, grow=grow)
    found = clean(probabilities, grow=0)
    photos = [None] * len(crops) if photo is None else photo
    grown = np.stack([grow_by_colour(*face) for face in zip(crops, probabilities, found, photos)])
    return clean(grown.astype(np.uint8) * 255, grow=grow)


def mask_probabilities(segmenter: FaceModel, batch: np.ndarray) -> np.ndarray:
    """(N, 128, 128) uint8: masknet's probability of mask, averaged with what it finds in the
    mirrored crops (``FaceModel.predict_mirrored``). Masks are nearly symmetric, masknet's misses
    are not: on a printed flag it missed the stripes on one cheek but finds them mirrored. The
    average also scores a little higher on the test split (reports/evaluation.md)."""
    return np.rint(segmenter.predict_mirrored(batch)[..., 0]).astype(np.uint8)


def clean(probabilities: np.ndarray, grow: int = GROW) -> np.ndarray:
    """(N, 128, 128) uint8 mask probabilities -> bool regions, grown by ``grow`` px.

    A mask is one solid piece: on real photos the segmenter can leave holes (busy prints) and
    specks, so each region is closed, reduced to its large pieces and its holes filled."""
    close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
    regions = []
    for probability in probabilities:
        region = cv2.morphologyEx((probability >= 128).astype(np.uint8), cv2.MORPH_CLOSE, close)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
        if count > 1:
            areas = stats[1:, cv2.CC_STAT_AREA]
            region = np.isin(labels, 1 + np.flatnonzero(areas >= 0.1 * areas.max())).astype(np.uint8)
        outside = np.pad(1 - region, 1, constant_values=1)
        cv2.floodFill(outside, None, (0, 0), 2)  # whatever the border cannot reach is a hole
        region = (outside[1:-1, 1:-1] != 2).astype(np.uint8)
        regions.append(cv2.dilate(region, kernel) > 0 if grow else region > 0)
    return np.stack(regions)


def continued(crops: np.ndarray, seeds: np.ndarray, photo: np.ndarray, reach_below: int) -> np.ndarray:
    """(N, H, W) bool: regions found in the frame (``seeds``, laid in a widened frame, ``frame.widen``)
    grown by colour on past the frame's edges, up to ``reach_below`` px down. masknet is not asked
    again there: below the frame it never saw training faces, and there it takes shirts and hair
    for mask. Only pixels of the mask's colours, next to the mask found in the frame, are added."""
    grown = np.stack([grow_by_colour(crop, seed.astype(np.uint8) * 255, seed, part_of_photo, reach_below=reach_below)
                      for crop, seed, part_of_photo in zip(crops, seeds, photo)])
    return clean(grown.astype(np.uint8) * 255, grow=0)


def grow_by_colour(crop: np.ndarray, probability: np.ndarray, region: np.ndarray, photo: np.ndarray | None = None,
                   band: int = COLOUR_BAND, reach_below: int = REACH_BELOW) -> np.ndarray:
    """``region`` plus the pixels near it that GrabCut finds to have the mask's colours, not the face's.

    Labels: masknet's sure core is mask, the rest of its region probably mask; a ``band`` px ring
    around it (``reach_below`` px deeper below it) and the border streaks (``photo`` False), below
    the eyes, probably not; everything else surely not. GrabCut then fits a colour model to each
    side and settles the "probably" pixels. OpenCV seeds GrabCut's k-means from its global random
    generator, so it is reset first: the same crop always gives the same region."""
    if region.sum() < 50:  # nothing (or a speck) to learn the mask's colours from
        return region
    inside = region.astype(np.uint8)
    ring = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    downwards = np.ones((reach_below + 1, 1), np.uint8)  # anchored at its bottom: it reaches down
    near = cv2.dilate(cv2.dilate(inside, ring), downwards, anchor=(0, reach_below)) > 0
    if photo is not None:
        near |= ~photo
    near[: frame.EYE_CLEARANCE_ROW] = False
    labels = np.full(region.shape, cv2.GC_BGD, np.uint8)
    labels[near] = cv2.GC_PR_BGD
    labels[region] = cv2.GC_PR_FGD
    core = cv2.erode(inside, np.ones((5, 5), np.uint8)) > 0
    labels[core & (probability >= SURE_MASK_PROBABILITY)] = cv2.GC_FGD
    if not (labels == cv2.GC_BGD).any() or not (labels == cv2.GC_PR_BGD).any():
        return region
    cv2.setRNGSeed(0)
    cv2.grabCut(np.ascontiguousarray(crop), labels, None, np.zeros((1, 65)), np.zeros((1, 65)),
                GRABCUT_ROUNDS, cv2.GC_INIT_WITH_MASK)
    return region | (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
