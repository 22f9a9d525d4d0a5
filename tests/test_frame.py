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


def test_a_pasted_face_fades_out_where_the_photo_goes_on_past_the_frame(astronaut, astronaut_face):
    """A region that reaches the frame's edge (a scarf down the neck) must not end on a straight
    line across the photo: the paste-back weight falls to 0 at the frame's edges inside the photo."""
    crop = frame.align(astronaut, astronaut_face.landmarks)
    assert crop.photo.all()  # the astronaut's frame lies wholly inside the photo
    fade = frame.edge_fade(crop.photo)
    assert fade[-1].max() == 0 and fade[:, 0].max() == 0 and fade[64, 64] == 1
    assert fade[-frame.EDGE_FADE - 1, 64] == 1 and 0 < fade[-3, 64] < 1  # only the last EDGE_FADE rows fade

    white = np.full_like(crop.pixels, 255)
    whole = np.ones((frame.SIZE, frame.SIZE), np.float32)
    inverse = frame.invert(crop.matrix)
    inside, outside = (np.round(frame.transform_points(inverse, [[64, row]])[0]).astype(int) for row in (126, 130))

    def step(alpha):
        pasted = frame.paste(astronaut, white, crop.matrix, alpha).astype(int)
        return np.abs(pasted[inside[1], inside[0]] - pasted[outside[1], outside[0]]).mean()

    own = np.abs(astronaut[inside[1], inside[0]].astype(int) - astronaut[outside[1], outside[0]]).mean()
    assert step(whole) > own + 60  # the straight line the fade is there to avoid
    assert step(whole * fade) < own + 30


def test_frame_edges_beyond_the_photo_need_no_fade():
    """A tight crop's frame edges lie in replicated border, which is never pasted: no fade there."""
    photo = np.zeros((frame.SIZE, frame.SIZE), bool)
    photo[14:114, 14:114] = True  # the photo ends inside the frame on every side
    assert (frame.edge_fade(photo) == 1).all()
    photo[114:, 14:114] = True  # ...except at the bottom, where it goes on past the frame
    fade = frame.edge_fade(photo)
    assert fade[-1, 14:114].max() == 0 and (fade[: -frame.EDGE_FADE] == 1).all()
