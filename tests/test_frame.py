import cv2
import numpy as np

from unmask import frame


def test_similarity_transform_recovers_a_known_one():
    angle, scale, shift = np.deg2rad(17), 1.7, np.array([12.0, -5.0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    src = np.random.default_rng(0).uniform(0, 100, (5, 2))
    dst = src @ rotation.T + shift
    matrix = frame.similarity_transform(src, dst)
    np.testing.assert_allclose(matrix[:, :2], rotation, atol=1e-9)
    np.testing.assert_allclose(matrix[:, 2], shift, atol=1e-9)
    assert abs(frame.scale_of(matrix) - scale) < 1e-9


def test_align_puts_a_real_face_on_the_template(astronaut, astronaut_face):
    crop = frame.align(astronaut, astronaut_face.landmarks)
    assert crop.pixels.shape == (frame.SIZE, frame.SIZE, 3) and crop.pixels.dtype == np.uint8
    # A similarity cannot match five points exactly, but a real face lands within a few pixels.
    assert np.abs(crop.landmarks - frame.TEMPLATE).max() < 6


def test_align_then_paste_lands_on_the_same_pixels(astronaut, astronaut_face):
    smooth = cv2.GaussianBlur(astronaut, (0, 0), 3)
    crop = frame.align(smooth, astronaut_face.landmarks)
    alpha = np.ones((frame.SIZE, frame.SIZE), np.float32)
    # Paste the crop back where it came from: the face's pixels come back as they were.
    pasted = frame.paste(np.zeros_like(smooth), crop.pixels, crop.matrix, alpha)
    inverse = frame.invert(crop.matrix)
    corners = frame.transform_points(inverse, np.array([[16, 16], [112, 112]]))
    (x0, y0), (x1, y1) = np.round(corners).astype(int)
    difference = np.abs(pasted[y0:y1, x0:x1].astype(int) - smooth[y0:y1, x0:x1].astype(int))
    assert difference.mean() < 2.0 and np.percentile(difference, 99) < 12
    # ...and nothing outside the face's square is touched.
    assert pasted[:20].max() == 0


def test_paste_only_changes_the_lower_face(astronaut, astronaut_face):
    crop = frame.align(astronaut, astronaut_face.landmarks)
    white = np.full_like(crop.pixels, 255)
    pasted = frame.paste(astronaut, white, crop.matrix, frame.lower_face_alpha())
    eyes = astronaut_face.landmarks[:2].astype(int)
    for x, y in eyes:
        assert np.array_equal(pasted[y - 1 : y + 2, x - 1 : x + 2], astronaut[y - 1 : y + 2, x - 1 : x + 2])
    assert frame.lower_face_alpha()[: frame.EYE_CLEARANCE_ROW].max() == 0
    mouth = astronaut_face.landmarks[3:].mean(0).astype(int)
    assert pasted[mouth[1], mouth[0]].min() > 240
    assert pasted.shape == astronaut.shape


def test_a_crop_knows_which_of_its_pixels_are_replicated_border(astronaut, astronaut_face):
    tight = astronaut[60:200, 170:280]  # a crop tighter than the frame: borders get replicated
    landmarks = astronaut_face.landmarks - np.array([170, 60], np.float32)
    crop = frame.align(tight, landmarks)
    valid = crop.photo
    assert np.array_equal(valid, frame.valid_mask(tight.shape, crop.matrix))
    assert valid[64, 64] and not valid.all()
    assert not valid[0].any() or not valid[:, 0].any()
    assert frame.align(astronaut, astronaut_face.landmarks).photo.all()
