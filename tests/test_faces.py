"""Face detection: the compiled MTCNN must find exactly what the package's own eager one finds."""
from __future__ import annotations

import numpy as np

from unmask import faces, io

from .conftest import EXAMPLES


def test_compiled_detector_matches_the_eager_package():
    from mtcnn import MTCNN

    for name in ("astronaut_surgical.jpg", "two_faces.jpg"):
        image = io.decode(EXAMPLES / name)
        eager = MTCNN(device="CPU:0").detect_faces(image)
        compiled = faces.detector().detect_faces(image)
        assert len(eager) == len(compiled) >= 1
        for a, b in zip(eager, compiled):
            assert np.allclose(a["box"], b["box"], atol=1) and abs(a["confidence"] - b["confidence"]) < 1e-4
            assert all(np.allclose(a["keypoints"][k], b["keypoints"][k], atol=1) for k in a["keypoints"])


def test_faces_come_largest_first_in_photo_coordinates():
    image = io.decode(EXAMPLES / "two_faces.jpg")
    found = faces.detect(image)
    areas = [f.box[2] * f.box[3] for f in found]
    assert areas == sorted(areas, reverse=True)
    h, w = image.shape[:2]
    for face in found:
        assert (face.landmarks >= 0).all() and (face.landmarks[:, 0] < w).all() and (face.landmarks[:, 1] < h).all()
        assert face.landmarks[0, 0] < face.landmarks[1, 0] and face.eye_distance > 0
