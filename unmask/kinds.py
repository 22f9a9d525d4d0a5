"""Model kinds: everything one kind of model needs, in one class each.

A kind knows what it loads beside its network (``needs``), how it builds the network's input
(``model_input``, which ``train/`` imports too, so training and inference cannot drift apart),
what it returns (``Generated``: faces, the region it redrew, paste-back weights) and what its
JSON must say for the code to run it (``check``, at load). The rest of the library asks a kind,
never what kind a model is. Adding a kind is one class here and one entry in ``KINDS``; the models
of each kind are named in ``unmask.models.MODELS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ClassVar

import cv2
import numpy as np

from unmask import frame, models, regions
from unmask.weights import WeightsError

# px a found region is grown by, in training and at inference: the mask's anti-aliased edge is redrawn too.
REGION_GROWTH = regions.GROW


class SpecMismatch(WeightsError):
    """A model's JSON describes another frame, input or growth than the code builds; the message says which."""


@dataclass
class Generated:
    """A batch of faces as a kind returns them, all in the canonical frame."""

    faces: np.ndarray  # (N, 128, 128, 3) uint8
    alphas: np.ndarray  # (N, 128, 128) float32 paste-back weights
    regions: np.ndarray | None  # (N, 128, 128) bool: what was redrawn, for kinds that find the mask


class Kind:
    """One loaded model of a kind and the models it needs (``needs``: their names)."""

    name: ClassVar[str]
    input_channels: ClassVar[int]
    needs: ClassVar[tuple[str, ...]] = ()
    # A kind that widens draws a face again in a widened frame where its region runs past the
    # frame (``Unmasker.redraw_widened``); it has ``continue_past`` and ``warm_up`` for that.
    widens: ClassVar[bool] = False
    # A kind that mirrors draws each face from it and from its mirror image, averaged (``generate``'s
    # ``mirrored``): its generator sees two crops a face.
    mirrors: ClassVar[bool] = False

    def __init__(self, model: models.FaceModel, needed: dict[str, models.FaceModel]):
        self.model = model
        self.needed = needed
        for loaded in (model, *needed.values()):
            check(loaded, expected_channels=self.input_channels if loaded is model else None,
                  growth=self.region_growth() if loaded is model else None)

    @classmethod
    def region_growth(cls) -> int | None:
        return None

    def generate(self, batch: np.ndarray, photo: np.ndarray | None = None, painted: np.ndarray | None = None,
                 by_colour: bool = True, mirrored: bool = True) -> Generated:
        """``batch``: (N, 128, 128, 3) uint8 aligned crops; ``photo``: (N, 128, 128) bool, their
        pixels from the photo (``frame.Crop.photo``); ``painted``: (N, 128, 128) bool, what the
        user marked as mask, redrawn whatever was found. ``by_colour=False`` and ``mirrored=False``
        are the webcam's faster path: the region as masknet finds it, and one generator pass where
        a kind would average it with its mirror image's."""
        raise NotImplementedError


class Inpaint(Kind):
    """Finds the mask (masknet, grown into the mask's colours) and redraws only that region."""

    name = "inpaint"
    input_channels = 4
    needs = ("masknet",)
    widens = True
    mirrors = True

    @classmethod
    def region_growth(cls) -> int:
        return REGION_GROWTH

    def warm_up(self) -> None:
        """Trace the generator at the widened frame's size (``frame.widen``) now, not on the first scarf
        (the frame's own size is traced when each network loads)."""
        self.model.warm_up(frame.SIZE + frame.WIDEN_BELOW, frame.SIZE + 2 * frame.WIDEN_SIDES)

    @staticmethod
    def model_input(masked, region, region_value: float = 1.0, concatenate: Callable | None = None):
        """The face with the region blanked to 0, then the region itself as a channel (``region_value``
        where it is, 0 elsewhere). NumPy uint8 at inference (``region_value`` 255), float tensors in
        [0, 1] in training (pass ``tf.concat``); ``region`` has a channel axis of 1."""
        concatenate = concatenate or np.concatenate
        return concatenate([masked * (1 - region), region * region_value], axis=-1)

    def generate(self, batch, photo=None, painted=None, by_colour=True, mirrored=True) -> Generated:
        found = regions.find(self.needed["masknet"], batch, photo, grow=REGION_GROWTH, by_colour=by_colour)
        return self.redraw(batch, found if painted is None else found | painted, mirrored)

    def continue_past(self, batch: np.ndarray, photo: np.ndarray, seeds: np.ndarray, mirrored: bool = True) -> Generated:
        """Faces in widened frames (``frame.widen``) whose regions found in the frame (``seeds``, laid
        in the widened frame, painting included) run on past it: the regions grown on by colour
        (``regions.continued``), then redrawn."""
        return self.redraw(batch, seeds | regions.continued(batch, seeds, photo, frame.WIDEN_BELOW), mirrored)

    def redraw(self, batch: np.ndarray, found: np.ndarray, mirrored: bool = True) -> Generated:
        """The generator's drawing of the ``found`` regions of ``batch``; every other pixel stays the photo's.
        ``mirrored``: the mean of its drawings of each face and of its mirror image (mirrored back),
        one batch of 2N: on the 300 photo-test photos region PSNR 16.98 dB against 16.72, and a
        smoother drawing (docs/quality.md, 2026-12-06)."""
        region = found[..., None].astype(np.uint8)
        inputs = self.model_input(batch, region, 255)
        faces = np.rint(self.model.predict_mirrored(inputs)).astype(np.uint8) if mirrored else self.model.predict(inputs)
        faces = np.where(found[..., None], faces, batch)  # every pixel outside the region stays real
        return Generated(faces, paste_weights(found), found)


class WholeFace(Kind):
    """The seed's U-Nets: the whole masked crop in, a whole face (or its sketch) out, pasted over the lower face."""

    name = "whole-face"
    input_channels = 3

    def generate(self, batch, photo=None, painted=None, by_colour=True, mirrored=True) -> Generated:
        """Drawn once, as the seed report drew it: ``mirrored`` does not apply."""
        faces = self.model.predict(batch)
        if faces.shape[-1] == 1:  # a sketch model chosen as the main model
            faces = np.repeat(faces, 3, axis=-1)
        alphas = np.repeat(frame.lower_face_alpha()[None], len(batch), axis=0)
        if painted is not None:
            alphas = np.maximum(alphas, painted)
        return Generated(faces, alphas, None)


def paste_weights(regions: np.ndarray) -> np.ndarray:
    """(N, H, W) float32 paste-back weights of bool regions: fully opaque inside, soft just outside."""
    return np.stack([np.maximum(cv2.GaussianBlur(r.astype(np.float32), (0, 0), 1.5), r) for r in regions])


KINDS: dict[str, type[Kind]] = {kind.name: kind for kind in (Inpaint, WholeFace)}


def kind_of(name: str) -> type[Kind]:
    return KINDS[models.MODELS[name].kind]


def load(name: str, path_of: Callable[[str], str | Path | None] = lambda name: None) -> Kind:
    """Model ``name`` and what its kind needs, each from ``path_of(name)`` (None: the usual place)."""
    def loaded(model_name: str) -> models.FaceModel:
        path = path_of(model_name)
        return models.load(model_name, None if path is None else str(path))

    kind = kind_of(name)
    return kind(loaded(name), {need: loaded(need) for need in kind.needs})


def check(model: models.FaceModel, expected_channels: int | None = None, growth: int | None = None) -> None:
    """Refuse a model whose JSON (or network) disagrees with the code that will run it."""
    spec, where = model.spec, model.weights.path.with_suffix(".json")
    problems = []
    size = spec.get("input", {}).get("size")
    if size != frame.SIZE:
        problems.append(f"its frame is {size} px but the code aligns faces to {frame.SIZE}")
    template = spec.get("frame", {}).get("template")
    if template is not None and not np.allclose(template, frame.TEMPLATE, atol=0.5):
        problems.append("its frame's landmark template differs from unmask.frame.TEMPLATE")
    channels = spec.get("input", {}).get("channels")
    if channels != model.input_channels:
        problems.append(f"it says {channels} input channels but the network takes {model.input_channels}")
    if expected_channels is not None and model.input_channels != expected_channels:
        problems.append(f"the {models.MODELS[model.info.name].kind} kind builds {expected_channels} input channels, "
                        f"the network takes {model.input_channels}")
    if growth is not None and spec.get("input", {}).get("region_growth") != growth:
        problems.append(f"it was trained on regions grown by {spec.get('input', {}).get('region_growth')} px, "
                        f"the code grows them by {growth}")
    if problems:
        raise SpecMismatch(f"{where.name} does not match the code that runs {model.info.name}: " + "; ".join(problems)
                           + ". Retrain it (python -m train all) or use the weights made for this version.")
