"""Face detection: our lean MTCNN driver must find what the package's own detector finds."""
from __future__ import annotations

import cv2
import numpy as np

from unmask import faces, io

from .conftest import EXAMPLES


def test_lean_detector_matches_the_package():
    from mtcnn import MTCNN

    package = MTCNN(device="CPU:0")
    for name in ("astronaut_surgical.jpg", "two_faces.jpg", "astronaut_kn95.jpg"):
        image = io.decode(EXAMPLES / name)
        h, w = image.shape[:2]
        for size in (max(h, w), 320):  # as given, and a copy small enough to hit MTCNN's last scales
            scale = size / max(h, w)
            small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            expected = sorted(package.detect_faces(small), key=lambda d: d["box"][2] * d["box"][3], reverse=True)
            rows = faces.detector()(small)
            assert len(rows) == len(expected), (name, size)
            rows = sorted(rows, key=lambda r: (r[3] - r[1]) * (r[4] - r[2]), reverse=True)
            for want, row in zip(expected, rows):
                assert abs(want["confidence"] - row[5]) < 1e-3
                assert np.allclose(want["box"][:2], row[1:3], atol=1)
                assert np.allclose([want["keypoints"]["left_eye"][0], want["keypoints"]["nose"][1]],
                                   [row[6], row[13]], atol=1)


def test_pnet_over_the_packed_pyramid_equals_pnet_over_each_level_alone():
    from mtcnn.stages import StagePNet

    package_pnet = StagePNet()._model
    rng = np.random.default_rng(0)
    image = faces.normalize(cv2.GaussianBlur(rng.integers(0, 255, (141, 190, 3), dtype=np.uint8), (0, 0), 2))
    sizes = [(190, 141), (134, 99), (95, 70), (67, 49), (47, 35), (33, 25), (24, 17), (16, 12)]  # odd and even
    canvas, beyond, offsets = faces.pyramid_canvas(image, sizes)
    regression, classes = (t.numpy() for t in faces.detector().pnet(canvas, beyond))
    for offset, (w, h) in zip(offsets, sizes):
        alone = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        want_regression, want_classes = (t.numpy() for t in package_pnet(alone[None]))
        window = faces.level_window(offset, (w, h))
        assert regression[window].shape == want_regression.shape, (w, h)
        assert np.allclose(regression[window], want_regression, atol=1e-4)
        assert np.allclose(classes[window], want_classes, atol=1e-4)


def test_coarse_to_fine_search_skips_only_faces_much_smaller_than_the_largest(astronaut):
    detector = faces.detector()
    for name in ("astronaut_surgical.jpg", "two_faces.jpg"):
        image = io.decode(EXAMPLES / name)
        assert np.array_equal(detector(image, faces.SMALLEST_RELATIVE), detector(image))
    # A selfie-sized face (~170 px) with a bystander a tenth of its size in the corner.
    photo = cv2.resize(astronaut[:300, 100:400], (600, 600), interpolation=cv2.INTER_LINEAR)
    photo[-114:-4, -114:-4] = cv2.resize(astronaut, (110, 110), interpolation=cv2.INTER_AREA)
    assert len(detector(photo)) == 2
    kept = detector(photo, faces.SMALLEST_RELATIVE)
    assert len(kept) == 1 and kept[0, 3] - kept[0, 1] > 150
    # Alone, the same small face is still found.
    alone = np.full_like(photo, 128)
    alone[-114:-4, -114:-4] = photo[-114:-4, -114:-4]
    assert len(detector(alone, faces.SMALLEST_RELATIVE)) == 1


def test_photos_without_faces_give_no_rows():
    assert faces.detect(np.full((300, 400, 3), 90, np.uint8)) == []
    assert faces.detect(np.random.default_rng(0).integers(0, 255, (50, 40, 3), dtype=np.uint8)) == []
    for side in (12, 25, 30):  # photos too small for the coarse levels, or for any
        assert faces.detect(np.full((side, side, 3), 90, np.uint8)) == []


def test_faces_come_largest_first_in_photo_coordinates():
    image = io.decode(EXAMPLES / "two_faces.jpg")
    found = faces.detect(image)
    areas = [f.box[2] * f.box[3] for f in found]
    assert areas == sorted(areas, reverse=True)
    h, w = image.shape[:2]
    for face in found:
        assert (face.landmarks >= 0).all() and (face.landmarks[:, 0] < w).all() and (face.landmarks[:, 1] < h).all()
        assert face.landmarks[0, 0] < face.landmarks[1, 0] and face.eye_distance > 0


def test_a_face_that_fills_the_photo_is_found_on_a_second_look_with_a_border():
    image = io.decode(EXAMPLES / "astronaut_n95.jpg")
    whole = faces.detect(image)[0]
    x, y, w, h = whole.box
    close_up = image[y : y + h, x : x + w]  # cut to the detector's own box: MTCNN finds nothing here
    assert faces.detect(close_up) == []
    found = faces.detect_close_up(close_up)
    assert len(found) == 1
    assert np.abs(found[0].landmarks[:2] - (whole.landmarks[:2] - (x, y))).max() <= 4  # the same eyes
    left, top, width, height = found[0].box
    assert left >= 0 and top >= 0 and left + width <= w and top + height <= h
    # A photo without a face gets no face from the second look either.
    assert faces.detect_close_up(np.full((300, 400, 3), 90, np.uint8)) == []


def test_the_second_look_at_a_large_close_up_reports_photo_coordinates():
    image = io.decode(EXAMPLES / "astronaut_n95.jpg")
    whole = faces.detect(image)[0]
    x, y, w, h = whole.box
    large = cv2.resize(image[y : y + h, x : x + w], None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC)  # past 640 px
    found = faces.detect_close_up(large)
    assert len(found) == 1
    assert np.abs(found[0].landmarks[:2] / 8 - (whole.landmarks[:2] - (x, y))).max() <= 4
    left, top, width, height = found[0].box
    assert left >= 0 and top >= 0 and left + width <= large.shape[1] and top + height <= large.shape[0]
