"""Face detection: one detector (MTCNN, weights shipped with the ``mtcnn`` package) behind one function.

MTCNN finds masked faces well (28 of the first 30 real masked photos in our data) and gives the
five landmarks the canonical frame is defined by.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import cv2
import numpy as np

# Detect on a copy whose long side is at most this: faces a selfie app cares about stay well above
# MTCNN's 20 px minimum, and the cost no longer grows with the photo's size.
DETECT_MAX_SIDE = 640
MIN_CONFIDENCE = 0.9
MIN_FACE_SIZE = 20  # pixels of the detection copy: MTCNN's default, where its pyramid starts
# Coarse to fine: faces of this size and up are searched first; smaller ones only down to this
# fraction of the largest face found. A bystander a quarter the size of the selfie's face is left
# alone, and the two finest pyramid levels (most of the detector's work) are skipped for selfies.
COARSE_MIN_FACE = 36
SMALLEST_RELATIVE = 0.25
# MTCNN misses many faces that fill the photo (tight close-ups): given a grey border of this share
# of the photo's longer side it finds about a third of those (real_masked/ files 200-399: 19 of 60).
CLOSE_UP_BORDER = 0.25


@dataclass
class Face:
    box: tuple[int, int, int, int]  # x, y, width, height in image pixels
    landmarks: np.ndarray  # (5, 2): left eye, right eye, nose, left and right mouth corner
    score: float

    @property
    def eye_distance(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))


def normalize(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> MTCNN's input scale, as the package computes it."""
    return (image.astype(np.float32) - 127.5) / 128


class Detector:
    """MTCNN's three networks and its box arithmetic (both from the ``mtcnn`` package), driven lean.

    The package's own ``detect_faces`` spends more time around its networks than in them: it
    resizes the pyramid with TensorFlow ops, converts the photo to tensors several times and calls
    its Keras networks eagerly, once per scale (eleven at 640 px). Here the pyramid is resized with
    OpenCV and packed on one canvas that P-Net sees in one call, the photo becomes a tensor once,
    and each network is a ``tf.function`` with a fixed input signature, traced once at start-up.
    Boxes, scores and landmarks are the package's own arithmetic; only the resampling of the
    pyramid differs (OpenCV's area filter, not TF's), by at most a pixel in the boxes and
    landmarks it finds (tests/test_faces.py)."""

    def __init__(self):
        import tensorflow as tf
        from mtcnn.stages import StageONet, StagePNet, StageRNet

        def compiled(stage, shape):
            return tf.function(stage()._model, input_signature=[tf.TensorSpec(shape, tf.float32)])

        self._tf = tf
        self.pnet = _mosaic_pnet(StagePNet()._model)
        self.rnet = compiled(StageRNet, [None, 24, 24, 3])
        self.onet = compiled(StageONet, [None, 48, 48, 3])

    def __call__(self, image: np.ndarray, smallest_relative: float | None = None) -> np.ndarray:
        """(N, 16) rows of MTCNN's layout: image id, x1, y1, x2, y2, score, 5 landmark x, 5 landmark y.

        ``None`` searches every face down to ``MIN_FACE_SIZE``, as the package does. A fraction
        searches coarse to fine: first faces of ``COARSE_MIN_FACE`` px and up, then smaller ones
        only down to that fraction of the largest face found. Most of P-Net's work is in the two
        finest levels of the pyramid, which a selfie does not need."""
        from mtcnn.utils.images import build_scale_pyramid

        h, w = image.shape[:2]
        normalized = normalize(image)
        photo = self._tf.constant(normalized[None])
        levels = build_scale_pyramid(w, h, min_face_size=MIN_FACE_SIZE, scale_factor=0.709)
        face_sizes = 12 / levels  # the face size in pixels each level of the pyramid finds
        proposals: list[np.ndarray] = []
        if smallest_relative is None:
            proposals += self._propose(normalized, levels)
            return self._refine(photo, proposals, image.shape)
        coarse = face_sizes >= COARSE_MIN_FACE
        proposals += self._propose(normalized, levels[coarse])
        found = self._refine(photo, proposals, image.shape)
        largest = float(np.max(found[:, 3:5] - found[:, 1:3])) if len(found) else 0.0
        finer = ~coarse & (face_sizes >= smallest_relative * largest)
        if not finer.any():
            return found
        # R-Net and O-Net run again over every proposal, so that the result is exactly what one
        # full-depth pass would give for these levels (NMS across levels included).
        proposals += self._propose(normalized, levels[finer])
        return self._refine(photo, proposals, image.shape)

    def _propose(self, normalized: np.ndarray, scales: np.ndarray) -> list[np.ndarray]:
        """P-Net over these levels of the pyramid: candidate boxes in photo pixels, NMS per level.

        All levels go through P-Net in one call, packed side by side on one canvas: a call per
        level costs more in overhead and in tiny convolutions than the convolutions themselves.
        P-Net's outputs over a level are then exactly what the level alone would give (tested)."""
        from mtcnn.utils import bboxes as B

        if not len(scales):
            return []
        h, w = normalized.shape[:2]
        sizes = [(int(w * scale), int(h * scale)) for scale in scales]
        canvas, beyond, offsets = pyramid_canvas(normalized, sizes)
        regression, classes = (t.numpy() for t in self.pnet(canvas, beyond))
        proposals = []
        for scale, offset, size in zip(scales, offsets, sizes):
            level = level_window(offset, size)
            if level is None:
                continue
            found = B.generate_bounding_box(self._tf.constant(regression[level]), self._tf.constant(classes[level]), 0.6)
            found = B.upscale_bboxes(found, np.asarray([scale]))
            if len(found):
                proposals.append(B.smart_nms_from_bboxes(found, threshold=0.5, method="union", initial_sort=False))
        return proposals

    def _refine(self, photo, proposals: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        """NMS across levels, then R-Net and O-Net: the package's second and third stages."""
        from mtcnn.utils import bboxes as B
        from mtcnn.utils.images import extract_patches
        from mtcnn.utils.landmarks import adjust_landmarks

        if not proposals:
            return np.empty((0, 16))
        boxes = B.resize_to_square(B.smart_nms_from_bboxes(np.concatenate(proposals), threshold=0.7, method="union"))
        offsets, scores = (t.numpy() for t in self.rnet(extract_patches(photo, boxes, (24, 24))))
        boxes = B.pick_matches(B.adjust_bboxes(B.replace_confidence(boxes, scores), offsets), score_threshold=0.7)
        if not len(boxes):
            return np.empty((0, 16))
        boxes = B.resize_to_square(B.smart_nms_from_bboxes(boxes, threshold=0.7, method="union"))
        offsets, landmarks, scores = self.onet(extract_patches(photo, boxes, (48, 48)))
        landmarks = adjust_landmarks(landmarks, boxes)
        boxes = B.adjust_bboxes(B.replace_confidence(boxes, scores.numpy()), offsets.numpy())
        boxes = B.pick_matches(np.concatenate([boxes, landmarks], axis=-1), scores_column=5, score_threshold=0.8)
        if not len(boxes):
            return np.empty((0, 16))
        boxes = B.smart_nms_from_bboxes(boxes, threshold=0.7, method="min")
        return B.limit_bboxes(boxes, images_shapes=np.asarray([shape]), limit_landmarks=False)


def _mosaic_pnet(net):
    """P-Net as a ``tf.function`` of (canvas, beyond): ``beyond`` is added after the first
    convolution, to mark where a level alone would have been padded (see ``pyramid_canvas``)."""
    import tensorflow as tf

    def pnet(canvas, beyond):
        x = net.maxpool1(net.prelu1(net.conv1(canvas)) + beyond)
        x = net.prelu3(net.conv3(net.prelu2(net.conv2(x))))
        return net.conv4_1(x), net.conv4_2(x)

    return tf.function(pnet, input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32),
                                              tf.TensorSpec([1, None, None, 1], tf.float32)])


def pack_levels(sizes: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Shelf-pack pyramid levels (width, height), largest first, on one canvas: (x, y) of each,
    and the canvas (width, height). Offsets are even, so P-Net's 2x2 pooling lines up with each
    level as it would alone, and an odd-sized level keeps a free column (row) after it."""
    canvas_width = sum(w + w % 2 for w, _ in sizes[:2])
    x = y = row_height = 0
    offsets = []
    for w, h in sizes:
        if x and x + w + w % 2 > canvas_width:
            x, y, row_height = 0, y + row_height + row_height % 2, 0
        offsets.append((x, y))
        x += w + w % 2
        row_height = max(row_height, h)
    return offsets, (canvas_width, y + row_height + row_height % 2)


def pyramid_canvas(normalized: np.ndarray, sizes: list[tuple[int, int]]):
    """The pyramid's levels resized from ``normalized`` and packed on one canvas for P-Net:
    (canvas (1, H, W, 3), beyond (1, H - 2, W - 2, 1), offsets of the levels)."""
    offsets, (width, height) = pack_levels(sizes)
    canvas = np.zeros((1, height, width, 3), np.float32)
    # P-Net pools 2x2 with 'same' padding: past an odd-sized level's last column (row) the level
    # alone is padded with -inf, the canvas has a neighbour. A large negative value added after
    # the first convolution keeps that neighbour out of the pooling.
    beyond = np.zeros((1, height - 2, width - 2, 1), np.float32)
    for (x, y), (level_w, level_h) in zip(offsets, sizes):
        canvas[0, y:y + level_h, x:x + level_w] = cv2.resize(normalized, (level_w, level_h), interpolation=cv2.INTER_AREA)
        if level_w % 2:
            beyond[0, y:y + level_h, x + level_w - 2] = -1e9
        if level_h % 2:
            beyond[0, y + level_h - 2, x:x + level_w] = -1e9
    return canvas, beyond, offsets


def level_window(offset: tuple[int, int], size: tuple[int, int]):
    """Where P-Net's output over the canvas is its output over this level alone (None if the
    level is smaller than P-Net's 12-px window)."""
    (x, y), (level_w, level_h) = offset, size
    rows, cols = (level_h - 1) // 2 - 4, (level_w - 1) // 2 - 4
    if rows < 1 or cols < 1:
        return None
    return np.s_[:, y // 2:y // 2 + rows, x // 2:x // 2 + cols]


@functools.lru_cache(maxsize=1)
def detector() -> Detector:
    """The one detector, built and traced on first use (``Unmasker`` does it at start-up)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    built = Detector()
    built._propose(np.zeros((DETECT_MAX_SIDE, DETECT_MAX_SIDE * 3 // 4, 3), np.float32), np.asarray([0.3, 0.2]))  # trace
    built.rnet(np.zeros((4, 24, 24, 3), np.float32))
    built.onet(np.zeros((2, 48, 48, 3), np.float32))
    return built


def detect(image: np.ndarray, max_faces: int | None = None, border: float = 0.0) -> list[Face]:
    """The faces in an RGB uint8 image, largest first, in the image's own coordinates.

    Faces smaller than ``SMALLEST_RELATIVE`` of the largest one are not searched for. With
    ``border`` the detection copy is framed by grey of that share of its longer side first (see
    ``detect_close_up``); boxes are then cut to the image."""
    h, w = image.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / ((1 + 2 * border) * max(h, w)))  # the framed copy stays within the limit
    small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    pad = int(round(border * max(small.shape[:2])))
    framed = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128)) if pad else small
    faces = []
    for row in detector()(framed, SMALLEST_RELATIVE):
        if row[5] < MIN_CONFIDENCE:
            continue
        # Rounded to whole pixels of the detection copy, as the package reports them.
        landmarks = (np.round(np.stack([row[6:11], row[11:16]], axis=1)).astype(np.float32) - pad) / scale
        # MTCNN names the eyes from the subject's view only sometimes: order them by x instead.
        if landmarks[0, 0] > landmarks[1, 0]:
            landmarks[[0, 1]] = landmarks[[1, 0]]
        if landmarks[3, 0] > landmarks[4, 0]:
            landmarks[[3, 4]] = landmarks[[4, 3]]
        x1, y1, x2, y2 = row[1:5]
        x, y, width, height = round(x1) - pad, round(y1) - pad, round(x2 - x1), round(y2 - y1)
        if pad:  # the part of a box in our own border is not the photo's
            right, bottom = min(x + width, small.shape[1]), min(y + height, small.shape[0])
            x, y = max(x, 0), max(y, 0)
            width, height = right - x, bottom - y
        box = tuple(int(round(v / scale)) for v in (x, y, width, height))
        faces.append(Face(box, landmarks, float(row[5])))
    faces.sort(key=lambda f: f.box[2] * f.box[3], reverse=True)
    return faces[:max_faces] if max_faces else faces


def detect_close_up(image: np.ndarray, max_faces: int | None = None) -> list[Face]:
    """``detect``, and when it finds nothing, once more with the photo framed by a grey border
    (``CLOSE_UP_BORDER``). The second look costs a detection only where the first found nothing."""
    return detect(image, max_faces) or detect(image, max_faces, border=CLOSE_UP_BORDER)
