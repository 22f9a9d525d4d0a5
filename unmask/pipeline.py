"""``Unmasker``: the one path every photo takes, decode -> detect -> align -> model -> paste back.

Shaped like GFPGAN's restorer: ``pre_process`` finds and aligns faces, ``process`` runs the
models on all faces of a photo as one batch, ``post_process`` pastes each result back into the
full-resolution photo with a feathered edge, fading out at the frame's edges where the photo
goes on past them (``frame.edge_fade``). What a model redraws is its kind's business
(``unmask.kinds``): ``inpaint`` finds the mask and replaces only that region, the seed's whole-face
models are pasted over the lower face only. Either way eyes, hair and background keep their
original pixels. Where the region misses a piece of mask, the user can
paint over it (``painted``): what they paint is redrawn too. The sketch is the seed's pencil
recipe drawn from the result, unless a sketch model is chosen by name. No Gradio.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from unmask import faces as face_detection
from unmask import frame, io, kinds, models
from unmask.sketch import pencil_sketch

MAX_FACES = 20  # more faces than this in one photo: the largest ones are processed
# Below this eye distance (photo pixels) a face has too few pixels for the model to draw on.
MIN_EYE_DISTANCE = 12.0
# Below this eye distance (share of the face box's width) the face is turned far to the side or
# its eyes were misplaced: aligned to the frontal frame, it would be drawn in the wrong place.
# real_masked/: 1 of 810 faces (0.22, eyes put on one cheek), the next at 0.28; UTKFace: 0.41 and up.
MIN_EYE_SPREAD = 0.25
# Why a face is left as it was (``why_left_alone``), and what to try instead.
TOO_SMALL, NOT_FRONTAL = "too small to unmask", "too far from a front view to unmask"
LEFT_ALONE = {
    TOO_SMALL: "use a photo where the face is at least about 60 pixels wide.",
    NOT_FRONTAL: "use a photo where the face looks towards the camera, both eyes clear.",
}


class NoFaceFound(ValueError):
    """No face in the photo; the message says what to try."""


class PaintingMismatch(ValueError):
    """The painted mask cannot be laid on the photo (another shape); the message says how."""


@dataclass
class FaceResult:
    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    score: float
    crop_before: np.ndarray  # (128, 128, 3) the aligned input
    crop_after: np.ndarray  # (128, 128, 3) the model's synthesized face
    sketch_after: np.ndarray | None  # (128, 128) synthesized pencil sketch, from a sketch model
    region: np.ndarray | None  # (128, 128) bool: where the mask was found (mask-aware models)


@dataclass
class Result:
    original: np.ndarray  # the photo as decoded (RGB uint8)
    image: np.ndarray  # same size as the input, faces replaced by synthesized ones
    sketch: np.ndarray  # (H, W) pencil sketch of the photo with synthesized faces
    faces: list[FaceResult]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.faces)} face{'s' if len(self.faces) != 1 else ''} unmasked (synthesized guess, not the real face)."]
        lines += [f"face {i + 1}: box {f.box}, detector confidence {f.score:.2f}" for i, f in enumerate(self.faces)]
        return "\n".join(lines + self.notes)


@dataclass
class Prepared:
    """A photo made ready for the models (``Unmasker.pre_process``)."""

    image: np.ndarray
    found: list[face_detection.Face]
    crops: list[frame.Crop]
    notes: list[str]
    painted: np.ndarray | None = None  # (N, 128, 128) bool: what the user painted as mask, in each face's frame


@dataclass
class Generated(kinds.Generated):
    """What the models drew for a photo's faces (``Unmasker.process``), paste-back weights faded at the frame's edges."""

    sketches: np.ndarray | None = None  # (N, 128, 128) uint8, when a sketch model runs


class Unmasker:
    """``sketch_model``: ``"pencil"`` (or None) draws the sketch from the colour result with the
    seed's recipe; a sketch model's name (``"rgb2sketch"``) draws it from the masked face."""

    def __init__(self, model: str = models.DEFAULT_MODEL, sketch_model: str | None = models.DEFAULT_SKETCH_MODEL,
                 model_path: str | Path | None = None, sketch_model_path: str | Path | None = None,
                 max_faces: int = MAX_FACES, weights_dir: str | Path | None = None):
        """``weights_dir``: a folder of ``.keras`` files with their JSON (a candidate bundle from
        ``python -m train all``) used for every model instead of the usual ones."""
        def path_of(name: str, explicit: str | Path | None) -> str | None:
            chosen = explicit if explicit is not None else None if weights_dir is None else Path(weights_dir) / f"{name}.keras"
            return None if chosen is None else str(chosen)

        self.kind = kinds.load(model, lambda name: path_of(name, model_path if name == model else None))
        self.model = self.kind.model
        self.sketch_model = None
        if sketch_model and sketch_model != models.PENCIL:
            self.sketch_model = models.load(sketch_model, path_of(sketch_model, sketch_model_path))
        self.max_faces = max_faces
        face_detection.detector()  # load the detector now, not on the first photo

    def pre_process(self, image: np.ndarray, assume_crop: bool = False, painted: np.ndarray | None = None) -> Prepared:
        image = np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2), np.uint8)
        marks = None if painted is None else painted_at_photo_size(painted, image.shape)  # refused before detection runs
        detected = face_detection.detect_close_up(image)
        reasons = [why_left_alone(face) for face in detected]
        found = [face for face, why in zip(detected, reasons) if why is None]
        left_alone = Counter(why for why in reasons if why)
        notes = [f"{count} face{'s were' if count > 1 else ' was'} {why} and left as {'they were' if count > 1 else 'it was'}."
                 for why, count in left_alone.items()]
        if len(found) > self.max_faces:
            notes.append(f"{len(found)} faces found; the {self.max_faces} largest were processed.")
            found = found[: self.max_faces]
        if not found and assume_crop:
            found = [whole_image_face(image)]
            notes.append("No face detected; the whole image was treated as one face crop.")
        if not found and left_alone:
            advice = "; ".join(f"{why}: {LEFT_ALONE[why]}" for why in left_alone)
            raise NoFaceFound(f"Found {len(detected)} face{'s' if len(detected) > 1 else ''}, but {advice}")
        if not found:
            raise NoFaceFound("No face found. Try a photo where the face is upright, well lit and at least "
                              "about 60 pixels wide, or (CLI) --assume-crop for a tight face crop.")
        crops = [frame.align(image, face.landmarks) for face in found]
        painted_crops = None
        if marks is not None:
            # Any coverage counts: a thin stroke on a large photo still marks its pixels in the frame.
            painted_crops = np.stack([frame.warp(marks.astype(np.uint8) * 255, crop.matrix) > 0 for crop in crops])
            if marks.any() and not painted_crops.any():
                notes.append("The painted parts are away from every face found, so they were left as they are.")
        return Prepared(image, found, crops, notes, painted_crops)

    def process(self, crops: list[frame.Crop], painted: np.ndarray | None = None) -> Generated:
        """All faces of a photo in one batch through the models; every output in the canonical frame.
        ``painted``: (N, 128, 128) bool, pixels the user marked as mask, redrawn whatever was found."""
        batch = np.stack([crop.pixels for crop in crops])
        drawn = self.kind.generate(batch, np.stack([crop.photo for crop in crops]), painted)
        alphas = drawn.alphas * np.stack([frame.edge_fade(crop.photo) for crop in crops])
        sketches = self.sketch_model.predict(batch)[..., 0] if self.sketch_model else None
        return Generated(drawn.faces, alphas, drawn.regions, sketches)

    def post_process(self, prepared: Prepared, generated: Generated) -> Result:
        image = prepared.image.copy()  # one copy of the photo, every face pasted into it
        for crop, pixels, alpha in zip(prepared.crops, generated.faces, generated.alphas):
            frame.paste(image, pixels, crop.matrix, alpha, out=image)
        blur = sketch_blur(prepared.crops)
        if generated.sketches is None:
            sketch = pencil_sketch(image, blur=blur)
        else:
            sketch = pencil_sketch(prepared.image, blur=blur)
            for crop, pixels, alpha in zip(prepared.crops, generated.sketches, generated.alphas):
                frame.paste(sketch, pixels, crop.matrix, alpha, out=sketch)
        results = [
            FaceResult(face.box, face.landmarks, face.score, crop.pixels, generated.faces[i],
                       None if generated.sketches is None else generated.sketches[i],
                       None if generated.regions is None else generated.regions[i])
            for i, (face, crop) in enumerate(zip(prepared.found, prepared.crops))
        ]
        return Result(prepared.image, image, sketch, results, prepared.notes)

    def unmask(self, image: np.ndarray, assume_crop: bool = False, painted: np.ndarray | None = None) -> Result:
        """``painted``: (H, W) bool, True where the user marks mask the region missed (see
        ``painted_at_photo_size``); those pixels are redrawn too."""
        prepared = self.pre_process(image, assume_crop, painted)
        return self.post_process(prepared, self.process(prepared.crops, prepared.painted))

    def unmask_file(self, source: bytes | str | Path, assume_crop: bool = False, painted: np.ndarray | None = None) -> Result:
        """Decode safely (``io.read``) and unmask; what decoding did is added to the notes."""
        photo = io.read(source)
        result = self.unmask(photo.pixels, assume_crop, painted)
        result.notes[:0] = photo.notes
        return result


def why_left_alone(face: face_detection.Face) -> str | None:
    """None for a face the models can redraw, else why it is left as it was (a key of ``LEFT_ALONE``)."""
    if face.eye_distance < MIN_EYE_DISTANCE:
        return TOO_SMALL
    if face.eye_distance < MIN_EYE_SPREAD * face.box[2]:
        return NOT_FRONTAL
    return None


def sketch_blur(crops: list[frame.Crop]) -> int:
    """The pencil recipe's blur for a photo: the seed's 15 px at face size 128, scaled to the largest face."""
    return int(round(15 / frame.scale_of(crops[0].matrix)))


def painted_at_photo_size(painted: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(H, W) bool of what the user painted, at the photo's size. ``painted`` is bool or 0-255,
    true or >= 128 where painted; it may come at another size (an editor that shows the photo
    smaller) but must have the photo's proportions, or it would land on the wrong pixels."""
    marks = np.asarray(painted)
    if marks.ndim != 2:
        raise PaintingMismatch(f"the painted mask must be one channel (height x width), not of shape {marks.shape}")
    marks = (marks >= 128 if marks.dtype != bool else marks).astype(np.uint8)
    height, width = shape[:2]
    if marks.shape != (height, width):
        if abs(marks.shape[0] / marks.shape[1] - height / width) > 0.02 * height / width:
            raise PaintingMismatch(f"the painted mask is {marks.shape[1]}x{marks.shape[0]} pixels but the photo is "
                                   f"{width}x{height}: paint on the photo itself")
        marks = cv2.resize(marks, (width, height), interpolation=cv2.INTER_NEAREST)
    return marks > 0


def whole_image_face(image: np.ndarray) -> face_detection.Face:
    """Treat an undetected image as a face crop framed like ours: the template scaled to its size."""
    h, w = image.shape[:2]
    landmarks = frame.TEMPLATE * np.array([w / frame.SIZE, h / frame.SIZE], np.float32)
    return face_detection.Face((0, 0, w, h), landmarks, 0.0)
