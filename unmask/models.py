"""The registry of named models, and a compiled, batched predict over canonical-frame crops."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask import frame, weights

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    summary: str
    output: str  # "rgb" or "sketch"


MODELS: dict[str, ModelInfo] = {
    "rgb2rgb": ModelInfo("rgb2rgb", "the seed report's U-Net: masked face in, whole face out, in colour", "rgb"),
    "rgb2sketch": ModelInfo("rgb2sketch", "the seed report's U-Net: masked face in, pencil sketch out", "sketch"),
}
DEFAULT_MODEL = "rgb2rgb"
DEFAULT_SKETCH_MODEL = "rgb2sketch"


class FaceModel:
    """One loaded model: uint8 crops (N, 128, 128, 3) in, uint8 crops (N, 128, 128, C) out."""

    def __init__(self, name: str, path: str | Path | None = None):
        if name not in MODELS:
            raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
        import keras
        import tensorflow as tf

        self.info = MODELS[name]
        self.weights = weights.resolve(name, path)
        self.spec = self.weights.spec
        # safe_mode refuses Lambda layers and pickled code: a weight file can only hold weights.
        self.model = keras.saving.load_model(self.weights.path, compile=False, safe_mode=True)
        signature = tf.TensorSpec((None, frame.SIZE, frame.SIZE, 3), tf.uint8)
        self._forward = tf.function(self._uint8_forward, input_signature=[signature], reduce_retracing=True)

    def _uint8_forward(self, crops):
        import tensorflow as tf

        out = self.model(tf.cast(crops, tf.float32) / 255.0, training=False)
        return tf.cast(tf.clip_by_value(tf.round(out * 255.0), 0, 255), tf.uint8)

    def predict(self, crops: np.ndarray) -> np.ndarray:
        crops = np.asarray(crops, np.uint8)
        if crops.ndim == 3:
            return self.predict(crops[None])[0]
        return self._forward(crops).numpy()

    def warm_up(self) -> None:
        self.predict(np.zeros((1, frame.SIZE, frame.SIZE, 3), np.uint8))


@functools.lru_cache(maxsize=8)
def load(name: str, path: str | None = None) -> FaceModel:
    """Load once per process: the app and the CLI share one model per name."""
    model = FaceModel(name, path)
    model.warm_up()
    return model
