"""The canonical face frame, defined once for training and inference.

Every face is mapped by a similarity transform (rotation, uniform scale, shift) so that its five
landmarks land as close as possible to ``TEMPLATE``. The frame is 128x128 and leaves room for the
forehead above the eyes and the chin below the mouth. Pixels the source photo does not have (tight
crops) are filled by replicating its border. A mask running on past the frame is followed in a
frame widened below and at the sides, the template where it was (``widen``, ``join_widened``).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 128
# Rows above this (the eyes and everything over them) always keep the photo's own pixels.
EYE_CLEARANCE_ROW = 53
# Pasted faces fade out over this many px at the frame's edges that lie inside the photo: the
# chin ends around row 112, so the fade stays below it.
EDGE_FADE = 10

# Five landmarks in the 128x128 frame: left eye, right eye, nose tip, left and right mouth corner
# (left/right as seen in the image). Eye distance 34 px, eyes-to-mouth 36 px: the forehead starts
# near the top row and the chin ends around row 112.
TEMPLATE = np.array(
    [[47.0, 48.0], [81.0, 48.0], [64.0, 66.0], [51.0, 84.0], [77.0, 84.0]], dtype=np.float32
)


# Where the detector's eyes, nose tip and mouth centre (``faces.Face.keypoints[:4]``) land in the
# frame, on average, when a face is aligned by MTCNN's five points onto ``TEMPLATE`` (the frame
# every bundled model was trained in): 570 unmasked UTKFace and AAF faces, ``python -m
# bench.detectors --calibrate``.
KEYPOINT_TEMPLATE = np.array(
    [[46.50, 49.31], [81.03, 48.80], [63.83, 68.61], [64.13, 85.71]], dtype=np.float32
)


# A mask can run on past the frame's bottom and sides (a scarf down the neck, a mask wider than
# the face). Such a face is drawn again in a frame widened by these many px below and on each side,
# with the same template (``widen``); inside the frame, the two drawings meet over ``WIDEN_BLEND`` px
# along its edges (``join_widened``). 64 px below reach about half a face further down the neck.
WIDEN_BELOW = 64
WIDEN_SIDES = 16
WIDEN_BLEND = 16
# A region that touches the frame's bottom row or its sides (below the eyes) with at least this
# many photo pixels runs on past the frame.
RUNS_PAST_EDGE = 4


@dataclass
class Crop:
    """A face resampled into the canonical frame, and the 2x3 matrix that put it there."""

    pixels: np.ndarray  # (SIZE, SIZE, 3) uint8
    matrix: np.ndarray  # (2, 3) float64, image -> frame
    landmarks: np.ndarray  # (5, 2) float32, in frame coordinates
    photo: np.ndarray  # (SIZE, SIZE) bool: pixels from the photo, not from its replicated border


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (Umeyama) mapping points ``src`` onto ``dst``, as a 2x3 matrix."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    src_mean, dst_mean = src.mean(0), dst.mean(0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1
    rotation = u @ np.diag(d) @ vt
    scale = (s * d).sum() / src_c.var(0).sum()
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - matrix[:, :2] @ src_mean
    return matrix


def fit_keypoints(keypoints: np.ndarray) -> np.ndarray:
    """Image -> frame matrix of a face from the detector's key points (eyes, nose, mouth centre)."""
    return similarity_transform(np.asarray(keypoints)[:4], KEYPOINT_TEMPLATE)


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, np.float64)
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def invert(matrix: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(np.asarray(matrix, np.float64))


def scale_of(matrix: np.ndarray) -> float:
    """How many frame pixels one image pixel becomes (below 1 when the face is large)."""
    return float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))


def align(image: np.ndarray, landmarks: np.ndarray) -> Crop:
    """Resample the face with these five landmarks (image coordinates) into the frame."""
    matrix = similarity_transform(landmarks, TEMPLATE)
    return Crop(warp(image, matrix), matrix, transform_points(matrix, landmarks), valid_mask(image.shape, matrix))


def warp(image: np.ndarray, matrix: np.ndarray, size: int | tuple[int, int] = SIZE) -> np.ndarray:
    """Resample ``image`` into the frame through ``matrix`` (a ``Crop``'s): anything drawn on the
    photo lands where the face's own pixels do, border replicated as theirs is. (``size``: for a
    frame scaled up with its template, as ``bench.resolution`` measures one; (width, height) for a
    widened one, ``widen``.)"""
    shrink = scale_of(matrix) < 1
    return cv2.warpAffine(
        image,
        matrix,
        (size, size) if isinstance(size, int) else size,
        flags=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def valid_mask(image_shape: tuple[int, ...], matrix: np.ndarray, size: int | tuple[int, int] = SIZE) -> np.ndarray:
    """Boolean, the frame's shape (``size`` as ``warp`` takes it): frame pixels that come from inside
    the photo, not from replicated borders.

    Tight crops leave streaks of replicated border in the frame; training can weight them out."""
    ones = np.ones(image_shape[:2], np.uint8)
    return cv2.warpAffine(ones, matrix, (size, size) if isinstance(size, int) else size, flags=cv2.INTER_NEAREST,
                          borderValue=0) > 0


def lower_face_alpha(feather: float = 2.0) -> np.ndarray:
    """Soft (SIZE, SIZE) float32 weight of the part of the frame a mask can cover.

    Nose bridge to under the chin, cheek to cheek, fading out just under the eyes. Pasting back
    only this part keeps the eyes, hair and background of the photo exactly as they were.
    """
    canvas = np.zeros((SIZE, SIZE), np.float32)
    cv2.ellipse(canvas, (64, 86), (47, 44), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    canvas[:EYE_CLEARANCE_ROW + 3] = 0
    alpha = cv2.GaussianBlur(canvas, (0, 0), feather)
    alpha[:EYE_CLEARANCE_ROW] = 0
    return alpha


def edge_fade(photo: np.ndarray, width: float = EDGE_FADE) -> np.ndarray:
    """(SIZE, SIZE) float32 paste-back weight: 1, falling to 0 at the frame's edges where the photo
    goes on past them (``photo``: a ``Crop``'s). The models draw only inside the frame; where the
    mask runs on past its edge (a scarf down the neck, a face filling the photo), pasting their
    output at full weight up to the edge would cut a straight line across the photo. Edges beyond
    the photo's own (tight crops) need no fade: nothing past them is pasted."""
    distance = np.ones(photo.shape, np.uint8)
    border = np.zeros(photo.shape, bool)
    border[[0, -1]] = border[:, [0, -1]] = True
    distance[border & photo] = 0
    if distance.all():
        return np.ones(photo.shape, np.float32)
    return np.clip(cv2.distanceTransform(distance, cv2.DIST_L2, 5) / width, 0, 1).astype(np.float32)


def paste(image: np.ndarray, crop_pixels: np.ndarray, matrix: np.ndarray, alpha: np.ndarray,
          out: np.ndarray | None = None) -> np.ndarray:
    """Blend ``crop_pixels`` (the frame, or a widened one) back into ``image`` through the inverse of ``matrix``.

    Only the bounding box of the face is warped, so the cost does not grow with the photo size.
    Writes into ``out`` when given (many faces, one copy of the photo), else into a copy.
    Works for colour (H, W, 3) and grey (H, W) images alike.
    """
    h, w = image.shape[:2]
    inverse = invert(matrix)
    height, width = crop_pixels.shape[:2]
    corners = transform_points(inverse, np.array([[0, 0], [width, 0], [0, height], [width, height]]))
    x0, y0 = np.floor(corners.min(0)).astype(int)
    x1, y1 = np.ceil(corners.max(0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    out = image.copy() if out is None else out
    if x1 <= x0 or y1 <= y0:
        return out
    shifted = inverse.copy()
    shifted[:, 2] -= (x0, y0)
    box = (x1 - x0, y1 - y0)
    warped = cv2.warpAffine(crop_pixels, shifted, box, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    weight = cv2.warpAffine(alpha.astype(np.float32), shifted, box, flags=cv2.INTER_LINEAR, borderValue=0)
    if warped.ndim == 3:
        weight = weight[..., None]
    region = image[y0:y1, x0:x1].astype(np.float32)
    blended = region * (1 - weight) + warped.astype(np.float32) * weight
    out[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255).astype(image.dtype)
    return out


def widen(image: np.ndarray, crop: Crop, below: int = WIDEN_BELOW, sides: int = WIDEN_SIDES) -> Crop:
    """The face of ``crop`` in a frame ``below`` px taller and ``2 * sides`` px wider, its template
    where it was, shifted ``sides`` px right: the frame itself is ``window(sides)`` of it."""
    matrix = crop.matrix.copy()
    matrix[0, 2] += sides
    size = (SIZE + 2 * sides, SIZE + below)
    return Crop(warp(image, matrix, size), matrix, crop.landmarks + np.float32([sides, 0]), valid_mask(image.shape, matrix, size))


def window(sides: int = WIDEN_SIDES) -> tuple[slice, slice]:
    """Where the frame lies in a frame widened by ``widen``."""
    return slice(0, SIZE), slice(sides, sides + SIZE)


def runs_past_edge(region: np.ndarray, photo: np.ndarray) -> bool:
    """True when a (SIZE, SIZE) region reaches the frame's bottom or sides below the eyes where the
    photo goes on past them: the mask runs on where the frame cannot redraw it."""
    edge = np.zeros(region.shape, bool)
    edge[-1] = True
    edge[EYE_CLEARANCE_ROW:, [0, -1]] = True
    return int((region & photo & edge).sum()) >= RUNS_PAST_EDGE


def join_widened(face: np.ndarray, region: np.ndarray, wide_face: np.ndarray, wide_region: np.ndarray,
                 wide_pixels: np.ndarray, sides: int = WIDEN_SIDES, blend: int = WIDEN_BLEND) -> tuple[np.ndarray, np.ndarray]:
    """One drawing in the widened frame: the frame's own ``face`` inside it, fading over ``blend`` px
    at the frame's bottom and sides into ``wide_face``, which is all there is beyond.

    The frame's ``region`` stands; the wide look adds only what continues it past the frame: its
    region within ``blend`` px of the frame's edge and beyond it (below the eyes), in pieces that
    touch the frame's region. Everything else is the photo's own (``wide_pixels``)."""
    rows, cols = np.arange(SIZE)[:, None], np.arange(SIZE)[None, :]
    to_edge = np.minimum(SIZE - rows, np.minimum(cols + 1, SIZE - cols))
    inside = window(sides)
    beyond = np.ones(wide_region.shape, bool)
    beyond[inside] = to_edge < blend
    beyond[:EYE_CLEARANCE_ROW] = False
    joined_region = wide_region & beyond
    joined_region[inside] |= region
    _, labels = cv2.connectedComponents(joined_region.astype(np.uint8), connectivity=8)
    touching = np.unique(labels[inside][region])
    joined_region = np.isin(labels, touching[touching > 0])
    own = (np.clip(to_edge / blend, 0, 1) * region)[..., None]  # the frame's drawing counts where it redrew
    other = np.where(wide_region[inside][..., None], wide_face[inside], face)  # where the wide look kept the photo
    joined_face, photo = wide_face.copy(), wide_pixels.copy()
    joined_face[inside] = np.rint(own * face + (1 - own) * other).astype(np.uint8)
    photo[inside] = face  # the frame's own copy of the photo where it did not redraw (resampled alike, to 1 level)
    return np.where(joined_region[..., None], joined_face, photo), joined_region
