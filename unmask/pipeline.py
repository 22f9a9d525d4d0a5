"""``Unmasker``: the one path every photo takes, decode -> detect -> align -> model -> paste back.

Shaped like GFPGAN's restorer: ``pre_process`` finds and aligns faces, ``process`` runs the
models on all faces of a photo as one batch, ``post_process`` pastes each result back into the
full-resolution photo with a feathered edge over the lower face only, so eyes, hair and
background keep their original pixels. No Gradio here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unmask import faces as face_detection
from unmask import frame, io, models
from unmask.sketch import pencil_sketch

MAX_FACES = 20  # more faces than this in one photo: the largest ones are processed
# Below this eye distance (photo pixels) a face has too few pixels for the model to draw on.
MIN_EYE_DISTANCE = 12.0


class NoFaceFound(ValueError):
    """No face in the photo; the message says what to try."""


@dataclass
class FaceResult:
    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    score: float
    crop_before: np.ndarray  # (128, 128, 3) the aligned input
    crop_after: np.ndarray  # (128, 128, 3) the model's synthesized face
    sketch_after: np.ndarray | None  # (128, 128) synthesized pencil sketch


@dataclass
class Result:
    original: np.ndarray  # the photo as decoded (RGB uint8)
    image: np.ndarray  # same size as the input, faces replaced by synthesized ones
    sketch: np.ndarray | None  # (H, W) pencil sketch of the photo with synthesized faces
    faces: list[FaceResult]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.faces)} face{'s' if len(self.faces) != 1 else ''} unmasked (synthesized guess, not the real face)."]
        lines += [f"face {i + 1}: box {f.box}, detector confidence {f.score:.2f}" for i, f in enumerate(self.faces)]
        return "\n".join(lines + self.notes)


@dataclass
class _Prepared:
    image: np.ndarray
    found: list[face_detection.Face]
    crops: list[frame.Crop]
    notes: list[str]


class Unmasker:
    def __init__(self, model: str = models.DEFAULT_MODEL, sketch_model: str | None = models.DEFAULT_SKETCH_MODEL,
                 model_path: str | Path | None = None, sketch_model_path: str | Path | None = None,
                 max_faces: int = MAX_FACES):
        self.model = models.load(model, None if model_path is None else str(model_path))
        self.sketch_model = None
        if sketch_model:
            self.sketch_model = models.load(sketch_model, None if sketch_model_path is None else str(sketch_model_path))
        self.max_faces = max_faces
        self.alpha = frame.lower_face_alpha()

    def pre_process(self, image: np.ndarray, assume_crop: bool = False) -> _Prepared:
        image = np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2), np.uint8)
        found = face_detection.detect(image)
        notes = []
        tiny = [face for face in found if face.eye_distance < MIN_EYE_DISTANCE]
        found = [face for face in found if face.eye_distance >= MIN_EYE_DISTANCE]
        if tiny:
            notes.append(f"{len(tiny)} face{'s were' if len(tiny) > 1 else ' was'} too small to unmask and left as it was.")
        if len(found) > self.max_faces:
            notes.append(f"{len(found)} faces found; the {self.max_faces} largest were processed.")
            found = found[: self.max_faces]
        if not found and assume_crop:
            found = [whole_image_face(image)]
            notes.append("No face detected; the whole image was treated as one face crop.")
        if not found and tiny:
            raise NoFaceFound(f"Found {len(tiny)} face{'s' if len(tiny) > 1 else ''}, but too small to unmask: "
                              "use a photo where the face is at least about 60 pixels wide.")
        if not found:
            raise NoFaceFound("No face found. Try a photo where the face is upright, well lit and at least "
                              "about 60 pixels wide, or (CLI) --assume-crop for a tight face crop.")
        crops = [frame.align(image, face.landmarks) for face in found]
        return _Prepared(image, found, crops, notes)

    def process(self, crops: list[frame.Crop]) -> tuple[np.ndarray, np.ndarray | None]:
        batch = np.stack([crop.pixels for crop in crops])
        generated = self.model.predict(batch)
        sketches = self.sketch_model.predict(batch)[..., 0] if self.sketch_model else None
        if self.model.info.output == "sketch":  # a sketch model chosen as the main model
            generated = np.repeat(generated, 3, axis=-1)
        return generated, sketches

    def post_process(self, prepared: _Prepared, generated: np.ndarray, sketches: np.ndarray | None) -> Result:
        image = prepared.image
        for crop, pixels in zip(prepared.crops, generated):
            image = frame.paste(image, pixels, crop.matrix, self.alpha)
        sketch = None
        if sketches is not None:
            # The seed's recipe blurs 15 px at face size 128: scale it to the largest face.
            face_scale = 1 / frame.scale_of(prepared.crops[0].matrix)
            sketch = pencil_sketch(prepared.image, blur=int(round(15 * face_scale)))
            for crop, pixels in zip(prepared.crops, sketches):
                sketch = frame.paste(sketch, pixels, crop.matrix, self.alpha)
        results = [
            FaceResult(face.box, face.landmarks, face.score, crop.pixels, pixels, None if sketches is None else sketches[i])
            for i, (face, crop, pixels) in enumerate(zip(prepared.found, prepared.crops, generated))
        ]
        return Result(prepared.image, image, sketch, results, prepared.notes)

    def unmask(self, image: np.ndarray, assume_crop: bool = False) -> Result:
        prepared = self.pre_process(image, assume_crop)
        generated, sketches = self.process(prepared.crops)
        return self.post_process(prepared, generated, sketches)

    def unmask_file(self, source: bytes | str | Path, assume_crop: bool = False) -> Result:
        """Decode safely (``io.read``) and unmask; what decoding did is added to the notes."""
        photo = io.read(source)
        result = self.unmask(photo.pixels, assume_crop)
        result.notes[:0] = photo.notes
        return result


def whole_image_face(image: np.ndarray) -> face_detection.Face:
    """Treat an undetected image as a face crop framed like ours: the template scaled to its size."""
    h, w = image.shape[:2]
    landmarks = frame.TEMPLATE * np.array([w / frame.SIZE, h / frame.SIZE], np.float32)
    return face_detection.Face((0, 0, w, h), landmarks, 0.0)
