"""The face check: the second opinion on faces the detector finds only in its last, less sure look."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from unmask import face_check, faces, frame, io, weights
from unmask.pipeline import as_rgb

from .conftest import EXAMPLES


def test_the_bundled_face_check_says_what_it_is():
    config = json.loads(face_check.MODEL_FILE.with_suffix(".json").read_text())
    assert config["sha256"] == weights.sha256_of(face_check.MODEL_FILE)
    assert 0 < config["threshold"] < 1 and config["threshold"] == face_check.face_check().threshold
    assert config["metrics"]["faces_kept"] > 0.9 and config["metrics"]["others_passing"] <= 0.02


def test_the_face_frame_puts_the_face_where_the_checks_training_did(astronaut, astronaut_face):
    """The canonical frame in the middle two thirds of the input, with a quarter of its side around it."""
    seen = face_check.face_frame(astronaut, astronaut_face.keypoints)
    assert seen.shape == (face_check.SIDE, face_check.SIDE, 3) and seen.dtype == np.uint8
    crop = frame.align(astronaut, astronaut_face.landmarks).pixels  # the same frame, from MTCNN's five points
    scale = face_check.SIDE / (frame.SIZE * face_check.CONTEXT)
    shift = (face_check.SIDE - frame.SIZE * scale) / 2
    shrunk = cv2.warpAffine(crop, np.float64([[scale, 0, shift], [0, scale, shift]]), (face_check.SIDE,) * 2, flags=cv2.INTER_AREA)
    inside = slice(int(shift) + 2, int(face_check.SIDE - shift) - 2)
    assert np.abs(seen[inside, inside].astype(float) - shrunk[inside, inside]).mean() < 8


def test_the_examples_faces_pass_and_frames_off_their_faces_do_not():
    check = face_check.face_check()
    for path in sorted(EXAMPLES.glob("*.jpg")):
        image = io.decode(path)
        for face in faces.detect(image):
            assert check.passes(image, face.keypoints), path.name
            eyes = np.linalg.norm(face.keypoints[1] - face.keypoints[0])
            below = face.keypoints + (0, 3 * eyes)  # the neck and shirt under the face
            beside = (face.keypoints - face.keypoints.mean(0)) * 0.25 + face.keypoints[0] - (eyes, 0)  # hair by the eye
            assert not check.passes(image, below) and not check.passes(image, beside), path.name


def test_the_last_look_keeps_only_the_faces_the_check_passes(monkeypatch, astronaut, astronaut_face):
    """Where the usual looks find nothing, the less sure one's faces must each pass the check."""
    looks = []

    def every_look(image, max_faces, confidence=None, tiles=True):
        looks.append((confidence, tiles))
        return [astronaut_face] if confidence == faces.LAST_LOOK_CONFIDENCE else []

    monkeypatch.setattr(faces, "every_look", every_look)
    assert faces.detect_close_up(astronaut) == [astronaut_face]  # the astronaut's own frame passes
    assert looks == [(None, True), (faces.LAST_LOOK_CONFIDENCE, False)]
    monkeypatch.setattr(face_check.FaceCheck, "__call__", lambda self, image, keypoints: 0.0)
    assert faces.detect_close_up(astronaut) == []


def test_scikit_images_things_that_the_last_look_takes_for_faces_are_turned_away():
    """A cat, coins, the moon, a clock: the detector at LAST_LOOK_CONFIDENCE finds faces in them."""
    pictures = pytest.importorskip("skimage.data")
    guessed = 0
    for name in ("chelsea", "coins", "moon", "clock", "rocket", "cell", "retina"):
        picture = as_rgb(np.asarray(getattr(pictures, name)()))
        guessed += len(faces.every_look(picture, None, faces.LAST_LOOK_CONFIDENCE, tiles=False))
        assert faces.detect_close_up(picture) == [], name
    assert guessed >= 5  # what the check turned away
