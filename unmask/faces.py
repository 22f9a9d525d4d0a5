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


@dataclass
class Face:
    box: tuple[int, int, int, int]  # x, y, width, height in image pixels
    landmarks: np.ndarray  # (5, 2): left eye, right eye, nose, left and right mouth corner
    score: float

    @property
    def eye_distance(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))


@functools.lru_cache(maxsize=1)
def detector():
    """MTCNN with its three networks compiled.

    The package calls its Keras networks eagerly, once per pyramid scale (eleven at 640 px), and
    the per-layer Python overhead costs more than the convolutions. ``tf.function`` with
    ``reduce_retracing`` traces each network for a general shape once and halves detection; the
    results are the same numbers. The warm-up traces them before the first photo arrives."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from mtcnn import MTCNN

    detector = MTCNN(device="CPU:0")
    for stage in detector.stages:
        stage._model = tf.function(stage._model, reduce_retracing=True)
    warm_up = np.full((DETECT_MAX_SIDE, DETECT_MAX_SIDE * 3 // 4, 3), 128, np.uint8)
    for image in (warm_up, warm_up.transpose(1, 0, 2), warm_up[: DETECT_MAX_SIDE // 2]):
        detector.detect_faces(np.ascontiguousarray(image))
    return detector


_KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def detect(image: np.ndarray, max_faces: int | None = None) -> list[Face]:
    """Every face in an RGB uint8 image, largest first, in the image's own coordinates."""
    h, w = image.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    found = detector().detect_faces(np.ascontiguousarray(small))
    faces = []
    for item in found:
        if item["confidence"] < MIN_CONFIDENCE:
            continue
        landmarks = np.array([item["keypoints"][k] for k in _KEYPOINTS], np.float32) / scale
        # MTCNN names the eyes from the subject's view only sometimes: order them by x instead.
        if landmarks[0, 0] > landmarks[1, 0]:
            landmarks[[0, 1]] = landmarks[[1, 0]]
        if landmarks[3, 0] > landmarks[4, 0]:
            landmarks[[3, 4]] = landmarks[[4, 3]]
        x, y, bw, bh = (int(round(v / scale)) for v in item["box"])
        faces.append(Face((x, y, bw, bh), landmarks, float(item["confidence"])))
    faces.sort(key=lambda f: f.box[2] * f.box[3], reverse=True)
    return faces[:max_faces] if max_faces else faces
