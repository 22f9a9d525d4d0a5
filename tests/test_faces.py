"""Face detection: BlazeFace through OpenCV, its anchors and merging, and faces in photo coordinates."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from unmask import faces, frame, io

from .conftest import EXAMPLES


def test_anchors_follow_mediapipes_ssd_layout():
    short, full = faces.anchors(faces.SHORT_RANGE), faces.anchors(faces.FULL_RANGE)
    assert short.shape == (896, 2) and full.shape == (2304, 2)  # the networks' output rows
    assert np.allclose(short[:2], [[0.5 / 16, 0.5 / 16]] * 2)  # stride 8: two anchors per cell, x fastest
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16]) and np.allclose(short[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    assert np.allclose(full[1], [1.5 / 48, 0.5 / 48]) and ((full > 0) & (full < 1)).all()


def test_opencv_runs_the_networks_as_tensorflow_lite_does(astronaut):
    tf = pytest.importorskip("tensorflow")
    if not hasattr(tf, "lite") or not hasattr(tf.lite, "Interpreter"):
        pytest.skip("this TensorFlow has no tf.lite interpreter to compare with")
    for network, net, _ in faces.detector().networks:
        pixels = cv2.resize(astronaut, (network.size, network.size), interpolation=cv2.INTER_AREA)
        net.setInput(cv2.dnn.blobFromImage(pixels, 1 / 127.5, mean=(127.5, 127.5, 127.5)))
        ours = sorted(net.forward(net.getUnconnectedOutLayersNames()), key=lambda out: -out.shape[-1])
        reference = tf.lite.Interpreter(model_path=str(faces.MODELS_DIR / network.file))
        reference.allocate_tensors()
        reference.set_tensor(reference.get_input_details()[0]["index"], pixels[None].astype(np.float32) / 127.5 - 1)
        reference.invoke()
        theirs = sorted((reference.get_tensor(o["index"]) for o in reference.get_output_details()), key=lambda out: -out.shape[-1])
        for a, b in zip(ours, theirs):
            assert np.abs(a.reshape(-1) - b.reshape(-1)).max() < 1e-2


def test_weighted_nms_merges_overlapping_candidates_and_keeps_apart_ones():
    def row(score, x1, y1, x2, y2):
        return [score, x1, y1, x2, y2] + [x1] * 12

    rows = np.array([row(0.9, 0.1, 0.1, 0.3, 0.3), row(0.7, 0.12, 0.1, 0.32, 0.3), row(0.8, 0.6, 0.6, 0.8, 0.8)])
    merged = faces.weighted_nms(rows)
    assert len(merged) == 2
    assert merged[0, 0] == 0.9 and np.isclose(merged[0, 1], (0.9 * 0.1 + 0.7 * 0.12) / 1.6)
    assert np.allclose(merged[1], rows[2])


def test_weighted_nms_ends_on_boxes_of_no_area_and_drops_nan_rows():
    """A box of no area overlaps nothing, not even itself: it once kept the loop going for ever."""
    flat = [0.9, 0.2, 0.2, 0.2, 0.5] + [0.2] * 12
    broken = [0.8] + [np.nan] * 16
    kept = [0.7, 0.6, 0.6, 0.8, 0.8] + [0.7] * 12
    merged = faces.weighted_nms(np.array([flat, broken, kept]))
    assert np.allclose(merged, [flat, kept])


def test_threads_detecting_at_once_find_what_one_finds_alone(astronaut):
    """The app's worker threads share one detector; each must get its own photo's faces."""
    from concurrent.futures import ThreadPoolExecutor

    photos = [astronaut, cv2.resize(astronaut, (300, 300)), np.ascontiguousarray(astronaut[:, ::-1])]
    alone = [[f.box for f in faces.detect(photo)] for photo in photos]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda i: [f.box for f in faces.detect(photos[i % 3])], range(60)))
    assert together == [alone[i % 3] for i in range(60)]


def test_photos_without_faces_give_no_faces():
    assert faces.detect(np.full((300, 400, 3), 90, np.uint8)) == []
    assert faces.detect(np.random.default_rng(0).integers(0, 255, (50, 40, 3), dtype=np.uint8)) == []
    for side in (1, 12, 25):
        assert faces.detect_close_up(np.full((side, side, 3), 90, np.uint8)) == []


def test_faces_come_largest_first_in_photo_coordinates():
    image = io.decode(EXAMPLES / "two_faces.jpg")
    found = faces.detect(image)
    assert len(found) == 2
    areas = [f.box[2] * f.box[3] for f in found]
    assert areas == sorted(areas, reverse=True)
    h, w = image.shape[:2]
    for face in found:
        x, y, width, height = face.box
        assert x >= 0 and y >= 0 and x + width <= w and y + height <= h
        assert face.keypoints[0, 0] < face.keypoints[1, 0] and face.landmarks[0, 0] < face.landmarks[1, 0]
        eyes = face.keypoints[:2]
        assert (eyes[:, 0] > x).all() and (eyes[:, 0] < x + width).all() and (eyes[:, 1] > y).all()


def test_landmarks_are_the_template_carried_into_the_photo(astronaut_face, astronaut):
    crop = frame.align(astronaut, astronaut_face.landmarks)
    assert np.abs(crop.landmarks - frame.TEMPLATE).max() < 0.01
    placed = frame.transform_points(crop.matrix, astronaut_face.keypoints[:4])
    assert np.abs(placed - frame.KEYPOINT_TEMPLATE).max() < 3  # eyes, nose and mouth where they belong


def test_the_same_face_is_found_in_a_wide_photo_at_its_place(astronaut, astronaut_face):
    wide = np.full((600, 2400, 3), 120, np.uint8)
    wide[44:556, 1500:2012] = astronaut
    found = faces.detect(wide)
    assert len(found) == 1
    assert np.abs(found[0].keypoints[:2] - (astronaut_face.keypoints[:2] + (1500, 44))).max() <= 4


def test_a_face_that_fills_the_photo_is_found_with_the_same_eyes():
    image = io.decode(EXAMPLES / "astronaut_n95.jpg")
    whole = faces.detect(image)[0]
    x, y, w, h = whole.box
    tight = np.ascontiguousarray(image[y : y + h, x : x + w])  # cut to the detector's own box: brows to lips
    assert len(faces.detect_close_up(tight)) == 1
    left, top = x - int(0.3 * w), y - int(0.3 * h)
    close_up = np.ascontiguousarray(image[top : top + int(1.6 * h), left : left + int(1.6 * w)])
    found = faces.detect_close_up(close_up)
    assert len(found) == 1
    assert np.abs(found[0].keypoints[:2] - (whole.keypoints[:2] - (left, top))).max() <= 4
    box_left, box_top, width, height = found[0].box
    assert box_left >= 0 and box_top >= 0 and box_left + width <= close_up.shape[1] and box_top + height <= close_up.shape[0]
    large = cv2.resize(close_up, None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC)
    found = faces.detect_close_up(large)
    assert len(found) == 1 and np.abs(found[0].keypoints[:2] / 8 - (whole.keypoints[:2] - (left, top))).max() <= 4


def test_a_small_face_far_in_a_large_photo_is_found_in_tiles(astronaut, astronaut_face):
    photo = np.full((1500, 2000, 3), 120, np.uint8)
    photo[900:1412, 1400:1912] = astronaut  # its face about 100 px, a twentieth of the photo's width
    assert not len(faces.detector().look(photo))  # the whole photo at once shows no face
    found = faces.detect(photo)
    assert len(found) == 1
    assert np.abs(found[0].keypoints[:2] - (astronaut_face.keypoints[:2] + (1400, 900))).max() <= 4


def test_a_pixelated_thumbnail_is_found_once_smoothed():
    """A masked face shrunk to 12 px and blown up with its blocks (as many photos on the web are):
    the plain and framed looks miss it, the smoothed look finds it where the face is."""
    from PIL import Image

    photo = np.asarray(Image.open(EXAMPLES / "astronaut_surgical.jpg").convert("RGB"))
    x, y, w, h = faces.detect(photo)[0].box
    face = photo[y - h // 4 : y + h + h // 8, x - w // 8 : x + w + w // 8]
    blocky = cv2.resize(cv2.resize(face, (12, 12), interpolation=cv2.INTER_AREA), (224, 224), interpolation=cv2.INTER_NEAREST)
    assert faces.blockiness(blocky) > faces.SMOOTH_FROM > faces.blockiness(photo)
    assert faces.framed_looks(blocky, None) == []
    found = faces.detect_close_up(blocky)
    assert len(found) == 1
    left_eye, right_eye = found[0].landmarks[:2]
    assert 40 < right_eye[0] - left_eye[0] < 140 and 40 < left_eye[1] < 130  # both eyes in the face's upper half


def test_clean_photos_without_faces_are_not_smoothed_into_faces():
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8), (0, 0), 2)
    assert faces.blockiness(noise) < faces.SMOOTH_FROM
    assert faces.detect_close_up(noise) == []
