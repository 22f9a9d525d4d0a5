"""A second opinion on a face the detector is unsure of: is there a face where its key points say?

BlazeFace was trained on faces without masks, so it is unsure of many masked ones; below its usual
confidence it also finds faces in cats, coins and the moon. This small network, trained by
``python -m train face-check`` on masked faces as the detector frames them and on frames that hold
no face (off the face in the same photos, the detector's guesses on generated textures), looks at
the face's own frame: the canonical frame (``unmask.frame``) with a quarter of its side around it,
at ``SIDE`` px. It runs through OpenCV's TFLite importer as the detector does, about half a
millisecond, and only on faces found in the detector's last, less sure look (``unmask.faces``).
"""
from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import cv2
import numpy as np

from unmask import frame

MODEL_FILE = Path(__file__).parent / "weights" / "detector" / "face_check.tflite"
SIDE = 64  # px, the network's square input
CONTEXT = 1.5  # the input shows the canonical frame and a quarter of its size on every side


def face_frame(image: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """(SIDE, SIDE, 3) uint8: the photo around a face as the face check sees it, black past the photo's edges."""
    to_frame = np.vstack([frame.fit_keypoints(keypoints), [0, 0, 1]])
    scale = SIDE / (frame.SIZE * CONTEXT)
    shift = SIDE / 2 - frame.SIZE / 2 * scale
    matrix = (np.array([[scale, 0, shift], [0, scale, shift], [0, 0, 1]]) @ to_frame)[:2]
    return cv2.warpAffine(image, matrix, (SIDE, SIDE), flags=cv2.INTER_AREA if frame.scale_of(matrix) < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


class FaceCheck:
    """The network, loaded once; ``__call__`` gives 0-1, how sure it is that a face is there."""

    def __init__(self, path: Path = MODEL_FILE):
        self.net = cv2.dnn.readNetFromTFLite(str(path), engine=cv2.dnn.ENGINE_CLASSIC)
        self.lock = threading.Lock()  # the net holds its input between setInput and forward
        self.threshold = json.loads(path.with_suffix(".json").read_text())["threshold"]  # chosen with the weights

    def __call__(self, image: np.ndarray, keypoints: np.ndarray) -> float:
        pixels = face_frame(image, keypoints).astype(np.float32)
        with self.lock:
            self.net.setInput(pixels.transpose(2, 0, 1)[None])
            return float(self.net.forward().reshape(-1)[0])

    def passes(self, image: np.ndarray, keypoints: np.ndarray) -> bool:
        return self(image, keypoints) >= self.threshold


@functools.lru_cache(maxsize=1)
def face_check() -> FaceCheck:
    return FaceCheck()
