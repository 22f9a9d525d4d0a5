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


def test_the_frame_lies_in_its_widened_frame_pixel_for_pixel(astronaut, astronaut_face):
    crop = frame.align(astronaut, astronaut_face.landmarks)
    wide = frame.widen(astronaut, crop)
    assert wide.pixels.shape == (frame.SIZE + frame.WIDEN_BELOW, frame.SIZE + 2 * frame.WIDEN_SIDES, 3)
    assert np.abs(wide.pixels[frame.window()].astype(int) - crop.pixels).max() <= 1  # resampling rounds alike
    assert np.array_equal(wide.photo[frame.window()], crop.photo)
    np.testing.assert_allclose(wide.landmarks, crop.landmarks + [frame.WIDEN_SIDES, 0])
    # The widened frame pastes back onto the photo's own pixels, as the frame does.
    alpha = np.ones(wide.photo.shape, np.float32)
    pasted = frame.paste(np.zeros_like(astronaut), wide.pixels, wide.matrix, alpha)
    covered = pasted.max(axis=2) > 0
    assert covered.sum() > 1.4 * frame.paste(np.zeros_like(astronaut), crop.pixels, crop.matrix,
                                             np.ones((frame.SIZE, frame.SIZE), np.float32)).max(axis=2).astype(bool).sum()


def test_a_region_runs_past_the_frame_only_where_the_photo_goes_on():
    region = np.zeros((frame.SIZE, frame.SIZE), bool)
    region[90:, 40:90] = True  # down to the bottom row
    photo = np.ones_like(region)
    assert frame.runs_past_edge(region, photo)
    photo[120:] = False  # a tight crop: the photo ends above the frame's bottom
    assert not frame.runs_past_edge(region, photo)
    side = np.zeros_like(region)
    side[70:100, : 20] = True  # a mask wider than the face, below the eyes
    assert frame.runs_past_edge(side, np.ones_like(region))
    above = np.zeros_like(region)
    above[: frame.EYE_CLEARANCE_ROW - 5, :10] = True  # hair at the side, not mask
    assert not frame.runs_past_edge(above, np.ones_like(region))


def test_joined_drawings_keep_the_frame_inside_the_wide_one_beyond_and_no_photo_between():
    size, wide_shape = frame.SIZE, (frame.SIZE + frame.WIDEN_BELOW, frame.SIZE + 2 * frame.WIDEN_SIDES)
    inside = frame.window()
    region = np.zeros((size, size), bool)
    region[70:, 30:100] = True  # the frame's region, down to its bottom edge
    face = np.full((size, size, 3), 50, np.uint8)  # the frame's drawing; its photo pixels are 50
    face[region] = 200
    wide_region = np.zeros(wide_shape, bool)
    wide_region[100:, 40:120] = True  # the wide look's region, on down past the frame
    wide_region[40:60, 60:80] = True  # and a piece at the eyes the frame did not find
    wide_region[150:160, :8] = True  # and one off on its own beyond the frame
    wide_face = np.full(wide_shape + (3,), 50, np.uint8)
    wide_face[wide_region] = 120
    wide_pixels = np.full(wide_shape + (3,), 50, np.uint8)
    joined, joined_region = frame.join_widened(face, region, wide_face, wide_region, wide_pixels)
    assert joined_region[inside][region].all() and joined_region[size:, 40:120].all()
    assert not joined_region[40:60, 60:80].any() and not joined_region[150:160, :8].any()
    assert (joined[inside][80, 64] == 200).all()  # well inside the frame: its own drawing
    assert (joined[size + 10, 64] == 120).all()  # beyond it: the wide drawing
    # Near the frame's bottom edge the drawings blend; where the wide look kept the photo (above
    # its region), the frame's drawing stands in for it, so no photo (mask) pixel is mixed in.
    assert joined[inside][72:100, 31][:, 0].min() == 200
    assert 120 <= joined[inside][size - 2, 64][0] < 200
    assert (joined[~joined_region] == 50).all()
