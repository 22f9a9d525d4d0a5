"""The registry of named models, and a compiled, batched predict over canonical-frame crops."""
from __future__ import annotations

import functools
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from unmask import frame, weights

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    summary: str
    output: str  # "rgb", "sketch" or "region"
    kind: str = "whole-face"  # "whole-face": redraws the crop; "inpaint": redraws the found region only


MODELS: dict[str, ModelInfo] = {
    "inpaint": ModelInfo("inpaint", "mask-aware pix2pix GAN: finds the mask, redraws only what it covers", "rgb", "inpaint"),
    "rgb2rgb": ModelInfo("rgb2rgb", "the seed report's U-Net: masked face in, whole face out, in colour", "rgb"),
    "rgb2sketch": ModelInfo("rgb2sketch", "the seed report's U-Net: masked face in, pencil sketch out", "sketch"),
    "masknet": ModelInfo("masknet", "finds the mask: the covered region of a face, straps included", "region", "segment"),
}
MAIN_MODELS = [name for name, info in MODELS.items() if info.output in ("rgb", "sketch")]
DEFAULT_MODEL = "inpaint"  # beats the seed's rgb2rgb inside the mask: reports/evaluation.md
# The pencil sketch beside the result: the seed's pencil recipe (unmask.sketch) applied to the
# colour result, or a sketch model chosen by name. The seed's rgb2sketch sees the masked face, and
# the mask shows through its sketch (mask_ghost in reports/evaluation.md and `python -m train
# photos`); the recipe draws what the colour result shows, so it is the default.
PENCIL = "pencil"
SKETCHES = [PENCIL] + [name for name, info in MODELS.items() if info.output == "sketch"]
DEFAULT_SKETCH_MODEL = PENCIL
PRECISION_ENV = "UNMASK_PRECISION"


def cpu_has_fast_bfloat16() -> bool:
    """AMX or AVX512-BF16: bfloat16 matrix maths is then several times faster than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def choose_precision(requested: str | None = None) -> str:
    """"bfloat16" or "float32": as requested, else $UNMASK_PRECISION, else what this CPU runs fastest."""
    requested = requested or os.environ.get(PRECISION_ENV, "auto")
    if requested not in ("auto", "bfloat16", "float32"):
        raise ValueError(f"precision must be auto, bfloat16 or float32, not {requested!r}")
    if requested == "auto":
        return "bfloat16" if cpu_has_fast_bfloat16() else "float32"
    return requested


def keras_policy(precision: str) -> str:
    """The Keras dtype policy that computes in ``precision``: bfloat16 is mixed (weights stay float32)."""
    return "mixed_bfloat16" if precision == "bfloat16" else "float32"


def _dtype_policy(name: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _load_keras(path: Path, policy: str):
    """The network in a ``.keras`` file, built to compute under ``policy`` (outputs stay float32).

    The stored config names the dtype it was trained in; rewriting it before the network is
    built, instead of cloning a loaded network, creates each variable once. Keras reads weights
    out of the zip by seeking in a compressed member, inflating it again and again; unpacked
    once, they load in a tenth of the time. ``safe_mode`` refuses Lambda layers and pickled code,
    so a weight file can only hold weights. Every network here is fully convolutional, so it is
    built to take any height and width (a frame widened past the chin, ``frame.widen``)."""
    import keras

    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as folder:
        config = json.loads(archive.read("config.json"))
        layers = config["config"]["layers"]
        for layer in layers[:-1]:
            if layer["class_name"] == "InputLayer":  # fully convolutional: any height and width
                layer["config"]["batch_shape"][1:3] = [None, None]
            else:
                layer["config"]["dtype"] = _dtype_policy(policy)
        layers[-1]["config"]["dtype"] = _dtype_policy("float32")
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        weights_file = Path(folder) / "model.weights.h5"
        weights_file.write_bytes(archive.read("model.weights.h5"))
        model.load_weights(weights_file)
    return model


class FaceModel:
    """One loaded model: uint8 crops (N, 128, 128, C_in) in, uint8 crops (N, 128, 128, C_out) out
    (or any other height and width the network's strides divide).

    C_in is 3 (RGB), or 4 for ``inpaint`` (RGB with the region blanked, then the region as 0/255)."""

    def __init__(self, name: str, path: str | Path | None = None, precision: str | None = None):
        if name not in MODELS:
            raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
        self.info = MODELS[name]
        self.weights = weights.resolve(name, path)
        self.spec = self.weights.spec
        # On CPUs with AMX the same weights run in bfloat16, elsewhere in float32, whatever
        # precision they were stored in (large models are stored as bfloat16 to stay small).
        self.precision = choose_precision(precision)
        self.model = _load_keras(self.weights.path, keras_policy(self.precision))
        self.input_channels = int(self.model.input_shape[-1])
        self._forwards: dict[tuple[int, int], Callable] = {}  # by crop height and width, see ``forward``

    def _uint8_forward(self, crops):
        import tensorflow as tf

        out = self.model(tf.cast(crops, tf.float32) / 255.0, training=False)
        return tf.cast(tf.clip_by_value(tf.round(tf.cast(out, tf.float32) * 255.0), 0, 255), tf.uint8)

    def forward(self, height: int, width: int) -> Callable:
        """The network traced for crops of this size, in batches of any length: traced on its first
        call, once per size. (Traced without a size, Keras' upsampling cannot build the graph.)"""
        if (height, width) not in self._forwards:
            import tensorflow as tf

            signature = tf.TensorSpec((None, height, width, self.input_channels), tf.uint8)
            self._forwards[(height, width)] = tf.function(self._uint8_forward, input_signature=[signature])
        return self._forwards[(height, width)]

    def predict(self, crops: np.ndarray) -> np.ndarray:
        crops = np.asarray(crops, np.uint8)
        if crops.ndim == 3:
            return self.predict(crops[None])[0]
        return self.forward(*crops.shape[1:3])(crops).numpy()

    def predict_mirrored(self, crops: np.ndarray) -> np.ndarray:
        """float32: the mean of what the network gives for ``crops`` and for their mirror images
        (mirrored back), in one batch of 2N. Faces and masks are nearly symmetric, the network's
        slips are not: averaged, they shrink."""
        crops = np.asarray(crops, np.uint8)
        both = self.predict(np.concatenate([crops, crops[:, :, ::-1]])).astype(np.float32)
        return (both[: len(crops)] + both[len(crops) :, :, ::-1]) / 2

    def warm_up(self, height: int = frame.SIZE, width: int = frame.SIZE) -> None:
        """Trace the network at this crop size now, not on the first photo that needs it; once per
        size, for any batch (models are shared: every ``Unmasker`` may ask)."""
        if (height, width) not in self._forwards:
            self.predict(np.zeros((1, height, width, self.input_channels), np.uint8))


@functools.lru_cache(maxsize=8)
def load(name: str, path: str | None = None, precision: str | None = None) -> FaceModel:
    """Load once per process: the app and the CLI share one model per name."""
    model = FaceModel(name, path, precision)
    model.warm_up()
    return model
