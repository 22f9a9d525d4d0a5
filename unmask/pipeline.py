"""``Unmasker``: the one path every photo takes, decode -> detect -> align -> model -> paste back.

Shaped like GFPGAN's restorer: ``pre_process`` finds and aligns faces, ``process`` runs the
models on all faces of a photo as one batch, ``post_process`` pastes each result back into the
full-resolution photo with a feathered edge, fading out at the frame's edges where the photo
goes on past them (``frame.edge_fade``); a face whose mask runs on past the frame (a scarf down
the neck) is drawn again in a widened frame first (``Unmasker.redraw_widened``). What a model redraws is its kind's business
(``unmask.kinds``): ``inpaint`` finds the mask and replaces only that region, the seed's whole-face
models are pasted over the lower face only. Either way eyes, hair and background keep their
original pixels. Where the region misses a piece of mask, the user can
paint over it (``painted``): what they paint is redrawn too. The sketch is the seed's pencil
recipe drawn from the result, unless a sketch model is chosen by name. No Gradio.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from unmask import faces as face_detection
from unmask import compare, frame, grain, io, kinds, models
from unmask.sketch import pencil_sketch

MAX_FACES = 20  # more faces than this in one photo: the largest ones are processed
# Below this eye distance (photo pixels) a face has too few pixels to be found where it is: a
# thumbnail of 26 px (eyes 6.6 px apart) is still aligned and unmasked right (real_masked/).
MIN_EYE_DISTANCE = 6.0
# Why a face is left as it was (``why_left_alone``), and what to try instead.
TOO_SMALL, NOT_FRONTAL = "too small to unmask", "too far from a front view to unmask"
NOT_CHOSEN, OVER_LIMIT = "not chosen", "beyond the number of faces processed per photo"
LEFT_ALONE = {
    TOO_SMALL: "use a photo where the face is at least about 20 pixels wide.",
    NOT_FRONTAL: "use a photo where the face looks towards the camera, both eyes clear.",
    NOT_CHOSEN: "choose it to have it unmasked.",
    OVER_LIMIT: "crop the photo to fewer faces.",
}


class NoFaceFound(ValueError):
    """No face in the photo; the message says what to try."""


class PaintingMismatch(ValueError):
    """The painted mask cannot be laid on the photo (another shape); the message says how."""


@dataclass
class FoundFace:
    """A face the detector found, numbered left to right, and why it is left alone (None: it is unmasked)."""

    number: int
    face: face_detection.Face
    left_alone: str | None = None

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.face.box


@dataclass
class FaceResult:
    number: int  # as in ``Unmasker.find_faces``: faces numbered left to right
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
    sketch: np.ndarray | None  # (H, W) pencil sketch of the photo with synthesized faces (None for live frames)
    faces: list[FaceResult]
    notes: list[str] = field(default_factory=list)
    left_alone: list[FoundFace] = field(default_factory=list)  # faces found but left as they were, and why
    redrawn: np.ndarray | None = None  # (H, W) bool: the photo's pixels that were synthesized

    def summary(self) -> str:
        lines = [f"{len(self.faces)} face{'s' if len(self.faces) != 1 else ''} unmasked (synthesized guess, not the real face)."]
        lines += [f"face {f.number}: box {f.box}, detector confidence {f.score:.2f}" for f in self.faces]
        lines += [f"face {f.number}: left as it was, {f.left_alone}" for f in self.left_alone]
        return "\n".join(lines + self.notes)


@dataclass
class Prepared:
    """A photo made ready for the models (``Unmasker.pre_process``)."""

    image: np.ndarray
    found: list[FoundFace]  # the faces to unmask
    crops: list[frame.Crop]
    notes: list[str]
    painted: np.ndarray | None = None  # (N, 128, 128) bool: what the user painted as mask, in each face's frame
    left_alone: list[FoundFace] = field(default_factory=list)


@dataclass
class Widened:
    """A face whose mask runs past the frame, drawn again in a widened frame (``frame.widen``) and
    joined with its first drawing: this is what is pasted back for it."""

    crop: frame.Crop
    face: np.ndarray  # (H, W, 3) uint8 in the widened frame
    alpha: np.ndarray  # (H, W) float32 paste-back weight, faded at the widened frame's edges


@dataclass
class Generated(kinds.Generated):
    """What the models drew for a photo's faces (``Unmasker.process``), paste-back weights faded at the frame's edges."""

    sketches: np.ndarray | None = None  # (N, 128, 128) uint8, when a sketch model runs
    widened: dict[int, Widened] = field(default_factory=dict)  # by face index: pasted instead of the frame's drawing


class Unmasker:
    """``sketch_model``: ``"pencil"`` (or None) draws the sketch from the colour result with the
    seed's recipe; a sketch model's name (``"rgb2sketch"``) draws it from the masked face."""

    def __init__(self, model: str = models.DEFAULT_MODEL, sketch_model: str | None = models.DEFAULT_SKETCH_MODEL,
                 model_path: str | Path | None = None, sketch_model_path: str | Path | None = None,
                 max_faces: int = MAX_FACES, weights_dir: str | Path | None = None, match_grain: bool = True,
                 widen: bool = True, mirror: bool = True):
        """``weights_dir``: a folder of ``.keras`` files with their JSON (a candidate bundle from
        ``python -m train all``) used for every model instead of the usual ones. ``match_grain``:
        give what was redrawn the photo's own fine grain (``unmask.grain``). ``widen``: draw a face
        whose mask runs past the frame again in a widened frame (``redraw_widened``). ``mirror``: draw
        each face from it and its mirror image, averaged, where the kind does (``kinds.Kind.mirrors``)."""
        def path_of(name: str, explicit: str | Path | None) -> str | None:
            chosen = explicit if explicit is not None else None if weights_dir is None else Path(weights_dir) / f"{name}.keras"
            return None if chosen is None else str(chosen)

        self.kind = kinds.load(model, lambda name: path_of(name, model_path if name == model else None))
        self.model = self.kind.model
        self.sketch_model = None
        if sketch_model and sketch_model != models.PENCIL:
            self.sketch_model = models.load(sketch_model, path_of(sketch_model, sketch_model_path))
        self.max_faces = max_faces
        self.match_grain = match_grain
        self.widen = widen and self.kind.widens
        self.mirror = mirror and self.kind.mirrors
        if self.widen:
            self.kind.warm_up()
        face_detection.detector()  # load the detector now, not on the first photo

    def find_faces(self, image: np.ndarray, thorough: bool = True) -> list[FoundFace]:
        """Every face in the photo, numbered left to right, each with why it would be left alone
        (None: it can be unmasked). The largest ``max_faces`` of those are the ones processed.
        ``thorough=False`` (live frames): one look, no tiles for small faces, no second look at close-ups."""
        detected = face_detection.detect_close_up(image) if thorough else face_detection.detect(image, tiles=False)
        numbered = [FoundFace(number, face, why_left_alone(face))
                    for number, face in enumerate(sorted(detected, key=lambda f: f.box[0] + f.box[2] / 2), start=1)]
        usable = sorted((f for f in numbered if f.left_alone is None), key=lambda f: -f.box[2] * f.box[3])
        for extra in usable[self.max_faces :]:
            extra.left_alone = OVER_LIMIT
        return numbered

    def pre_process(self, image: np.ndarray, assume_crop: bool = False, painted: np.ndarray | None = None,
                    faces: Collection[int] | None = None, thorough: bool = True) -> Prepared:
        """``faces``: the numbers (``find_faces``) of the faces to unmask; None: every face it can."""
        image = as_rgb(image)
        marks = None if painted is None else painted_at_photo_size(painted, image.shape)  # refused before detection runs
        numbered = self.find_faces(image, thorough)
        if faces is not None:
            unknown = sorted(set(faces) - {f.number for f in numbered})
            if unknown:
                raise NoFaceFound(f"There is no face {', '.join(map(str, unknown))} in this photo: "
                                  f"{len(numbered)} face{'s were' if len(numbered) != 1 else ' was'} found.")
            for found_face in numbered:
                if found_face.left_alone is None and found_face.number not in faces:
                    found_face.left_alone = NOT_CHOSEN
        found = [f for f in numbered if f.left_alone is None]
        left_alone = [f for f in numbered if f.left_alone is not None]
        reasons = Counter(f.left_alone for f in left_alone)
        notes = [f"{count} face{'s were' if count > 1 else ' was'} {why} and left as {'they were' if count > 1 else 'it was'}."
                 for why, count in reasons.items()]
        if not found and assume_crop:
            found = [FoundFace(0, whole_image_face(image))]
            notes.append("No face detected; the whole image was treated as one face crop.")
        if not found and left_alone:
            advice = "; ".join(f"{why}: {LEFT_ALONE[why]}" for why in reasons)
            raise NoFaceFound(f"Found {len(numbered)} face{'s' if len(numbered) > 1 else ''}, but {advice}")
        if not found:
            raise NoFaceFound("No face found. Try a photo where the face is upright, well lit and at least "
                              "about 60 pixels wide, or (CLI) --assume-crop for a tight face crop.")
        crops = [frame.align(image, f.face.landmarks) for f in found]
        painted_crops = None
        if marks is not None:
            # Any coverage counts: a thin stroke on a large photo still marks its pixels in the frame.
            painted_crops = np.stack([frame.warp(marks.astype(np.uint8) * 255, crop.matrix) > 0 for crop in crops])
            if marks.any() and not painted_crops.any():
                notes.append("The painted parts are away from every face found, so they were left as they are.")
        return Prepared(image, found, crops, notes, painted_crops, left_alone)

    def process(self, prepared: Prepared, live: bool = False) -> Generated:
        """All faces of a prepared photo in one batch through the models; every output in the
        canonical frame. What the user painted (``prepared.painted``) is redrawn whatever was found;
        a face whose mask runs on past the frame is drawn again from the photo in a widened frame
        (``redraw_widened``). ``live``: the webcam's path, no sketch, no widening, the region as
        masknet finds it (no colour growth) and one generator pass (not averaged with the mirror image's)."""
        crops = prepared.crops
        batch = np.stack([crop.pixels for crop in crops])
        photo = np.stack([crop.photo for crop in crops])
        drawn = self.kind.generate(batch, photo, prepared.painted, by_colour=not live, mirrored=self.mirror and not live)
        widened = self.redraw_widened(prepared.image, crops, drawn) if self.widen and not live else {}
        alphas = drawn.alphas * np.stack([frame.edge_fade(part_of_photo) for part_of_photo in photo])
        sketches = self.sketch_model.predict(batch)[..., 0] if self.sketch_model and not live else None
        return Generated(drawn.faces, alphas, drawn.regions, sketches, widened)

    def redraw_widened(self, image: np.ndarray, crops: list[frame.Crop], drawn: kinds.Generated) -> dict[int, Widened]:
        """The faces whose region runs past the frame's bottom or sides (a scarf down the neck, a mask
        wider than the face), drawn again in a frame widened there and joined with the frame's own
        drawing (``frame.join_widened``). Without it the frame's edge fades into the mask left past it,
        a band like a collar. ``drawn``'s faces and regions take the joined drawing's frame part."""
        past = [i for i, crop in enumerate(crops) if frame.runs_past_edge(drawn.regions[i], crop.photo)]
        if not past:
            return {}
        wide = [frame.widen(image, crops[i]) for i in past]
        seeds = np.zeros((len(past), *wide[0].photo.shape), bool)
        seeds[(slice(None), *frame.window())] = drawn.regions[past]  # what the frame found and was painted
        again = self.kind.continue_past(np.stack([crop.pixels for crop in wide]), np.stack([crop.photo for crop in wide]), seeds,
                                        self.mirror)
        widened = {}
        for j, i in enumerate(past):
            face, region = frame.join_widened(drawn.faces[i], drawn.regions[i], again.faces[j], again.regions[j],
                                              wide[j].pixels)
            alpha = kinds.paste_weights(region[None])[0] * frame.edge_fade(wide[j].photo)
            widened[i] = Widened(wide[j], face, alpha)
            drawn.faces[i], drawn.regions[i] = face[frame.window()], region[frame.window()]
        return widened

    def post_process(self, prepared: Prepared, generated: Generated, sketch: bool = True) -> Result:
        image = prepared.image.copy()  # one copy of the photo, every face pasted into it
        redrawn = np.zeros(image.shape[:2], np.float32)
        for index, (crop, pixels, alpha) in enumerate(zip(prepared.crops, generated.faces, generated.alphas)):
            widened = generated.widened.get(index)
            if widened is not None:
                crop, pixels, alpha = widened.crop, widened.face, widened.alpha
            frame.paste(image, pixels, crop.matrix, alpha, out=image)
            frame.paste(redrawn, np.ones_like(alpha), crop.matrix, alpha, out=redrawn)
        if self.match_grain and sketch:  # not on live frames, where every millisecond counts
            face_size = float(np.median([frame.SIZE / frame.scale_of(crop.matrix) for crop in prepared.crops]))
            image = grain.match(image, prepared.image, redrawn, face_size)
        drawing = None
        if sketch:
            blur = sketch_blur(prepared.crops)
            if generated.sketches is None:
                drawing = pencil_sketch(image, blur=blur)
            else:
                drawing = pencil_sketch(prepared.image, blur=blur)
                for crop, pixels, alpha in zip(prepared.crops, generated.sketches, generated.alphas):
                    frame.paste(drawing, pixels, crop.matrix, alpha, out=drawing)
        results = [
            FaceResult(found.number, found.face.box, found.face.landmarks, found.face.score, crop.pixels, generated.faces[i],
                       None if generated.sketches is None else generated.sketches[i],
                       None if generated.regions is None else generated.regions[i])
            for i, (found, crop) in enumerate(zip(prepared.found, prepared.crops))
        ]
        return Result(prepared.image, image, drawing, results, prepared.notes, prepared.left_alone, redrawn >= 0.5)

    def unmask(self, image: np.ndarray, assume_crop: bool = False, painted: np.ndarray | None = None,
               faces: Collection[int] | None = None) -> Result:
        """``painted``: (H, W) bool, True where the user marks mask the region missed (see
        ``painted_at_photo_size``); those pixels are redrawn too. ``faces``: the numbers of the
        faces to unmask (``find_faces``), None for all."""
        prepared = self.pre_process(image, assume_crop, painted, faces)
        return self.post_process(prepared, self.process(prepared))

    def unmask_frame(self, frame_pixels: np.ndarray) -> Result:
        """A webcam frame, as fast as the models allow: one detection pass, masknet's region as it
        finds it, no sketch. A frame with no face comes back as it was, with a note."""
        image = as_rgb(frame_pixels)
        try:
            prepared = self.pre_process(image, thorough=False)
        except NoFaceFound as error:
            return Result(image, image, None, [], [str(error)])
        return self.post_process(prepared, self.process(prepared, live=True), sketch=False)

    def put_mask_on_and_off(self, image: np.ndarray, mask_kind: str, seed: int = 0) -> compare.Comparison:
        """Draw a mask of ``mask_kind`` on the largest face of an unmasked photo, unmask that, and
        score the guess against the real face (``unmask.compare``): how close the guess gets."""
        image = as_rgb(image)
        drawn = compare.put_mask_on(image, mask_kind, seed)
        if drawn is None:
            raise NoFaceFound("No face found to put a mask on. Try a photo where the face is upright, well lit and "
                              "at least about 60 pixels wide.")
        masked, region, face = drawn
        try:
            guess = self.unmask(masked).image
        except NoFaceFound:
            raise NoFaceFound(f"With the {mask_kind} mask on, the face was no longer found: try another mask kind "
                              "or a larger face.") from None
        return compare.compare(image, masked, guess, region, face, mask_kind)

    def unmask_file(self, source: bytes | str | Path, assume_crop: bool = False, painted: np.ndarray | None = None) -> Result:
        """Decode safely (``io.read``) and unmask; what decoding did is added to the notes."""
        photo = io.read(source)
        result = self.unmask(photo.pixels, assume_crop, painted)
        result.notes[:0] = photo.notes
        return result


def as_rgb(image: np.ndarray) -> np.ndarray:
    """RGB uint8, contiguous: grey repeated into three channels, alpha dropped."""
    image = np.asarray(image)
    return np.ascontiguousarray(image[..., :3] if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2), np.uint8)


def why_left_alone(face: face_detection.Face) -> str | None:
    """None for a face the models can redraw, else why it is left as it was (a key of ``LEFT_ALONE``)."""
    if face.eye_distance < MIN_EYE_DISTANCE:
        return TOO_SMALL
    if not face.frontal:  # aligned to the frontal frame, it would be drawn in the wrong place
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
    if marks.size == 0:
        raise PaintingMismatch("the painted mask is empty (0 pixels): paint on the photo itself")
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
