import cv2
import numpy as np
import pytest

from unmask import frame, masks


@pytest.fixture(scope="module")
def crop(astronaut, astronaut_face):
    return frame.align(astronaut, astronaut_face.landmarks)


@pytest.mark.parametrize("kind", sorted(masks.MASKS))
def test_each_kind_covers_nose_and_mouth_but_not_the_eyes(crop, kind):
    masked, region = masks.draw_mask(crop.pixels, crop.landmarks, kind, np.random.default_rng(0))
    assert masked.shape == crop.pixels.shape and masked.dtype == np.uint8
    assert region.shape == crop.pixels.shape[:2] and region.dtype == bool
    (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = np.round(crop.landmarks).astype(int)
    assert region[ny, nx] and region[mly, mlx] and region[mry, mrx]
    assert not region[ly, lx] and not region[ry, rx]
    assert 0.12 < region.mean() < 0.5
    # Inside the region the picture changed; away from it (beyond the anti-aliased edge) it did not.
    assert np.abs(masked[region].astype(int) - crop.pixels[region].astype(int)).mean() > 10
    far = cv2.dilate(region.astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
    assert np.array_equal(masked[far], crop.pixels[far])


def test_masks_are_random_but_reproducible(crop):
    a, _ = masks.draw_mask(crop.pixels, crop.landmarks, "cloth", np.random.default_rng(5))
    b, _ = masks.draw_mask(crop.pixels, crop.landmarks, "cloth", np.random.default_rng(5))
    c, _ = masks.draw_mask(crop.pixels, crop.landmarks, "cloth", np.random.default_rng(6))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_unknown_kind_is_refused(crop):
    with pytest.raises(ValueError, match="unknown mask kind"):
        masks.draw_mask(crop.pixels, crop.landmarks, "balaclava")


def test_masks_draw_on_a_full_photo_too(astronaut, astronaut_face):
    masked, region = masks.draw_mask(astronaut, astronaut_face.landmarks, "surgical", np.random.default_rng(1))
    assert masked.shape == astronaut.shape
    x, y, w, h = astronaut_face.box
    assert region[y : y + h, x : x + w].mean() > 0.2 and region.mean() < 0.1


def test_scarves_run_past_the_chin_and_wider_than_a_mask(crop):
    for seed in range(4):
        _, scarf = masks.draw_mask(crop.pixels, crop.landmarks, "scarf", np.random.default_rng(seed))
        _, surgical = masks.draw_mask(crop.pixels, crop.landmarks, "surgical", np.random.default_rng(seed))
        assert scarf[-1].mean() > 0.5  # still there at the frame's bottom row, under the chin
        assert scarf[90:100].sum() > 1.1 * surgical[90:100].sum()  # wider below the mouth, where no loop runs


def test_a_turned_head_wears_the_mask_further_round_its_near_cheek(crop):
    """Nose moved towards the right of the picture: the left cheek is the near one."""
    turned = crop.landmarks.copy()
    turned[2, 0] += 0.3 * (turned[1, 0] - turned[0, 0])
    eyes_middle = (turned[0, 0] + turned[1, 0]) / 2
    for seed in range(3):
        _, region = masks.draw_mask(crop.pixels, turned, "black", np.random.default_rng(seed))
        _, frontal = masks.draw_mask(crop.pixels, crop.landmarks, "black", np.random.default_rng(seed))
        columns = np.flatnonzero(region[75:95].any(axis=0))  # below the ear loops: the mask's body only
        near, far = eyes_middle - columns.min(), columns.max() - eyes_middle
        assert near > 1.3 * far
        assert region.sum() == pytest.approx(frontal.sum(), rel=0.25)  # wrapped round, not grown


def test_masks_are_worn_at_different_heights_on_the_cheeks(crop):
    """Real masks often run straight across under the eyes; the segmenter must see those too."""
    (lx, ly), (rx, _) = crop.landmarks[0], crop.landmarks[1]
    cheek = int(round(rx - 0.1 * (rx - lx)))  # under the outer half of the right eye
    tops = []
    for seed in range(16):
        _, region = masks.draw_mask(crop.pixels, crop.landmarks, "surgical", np.random.default_rng(seed))
        tops.append(np.flatnonzero(region[:, cheek]).min())
        assert not region[int(round(ly)), int(round(lx))]
    assert min(tops) < ly + 8 and max(tops) - min(tops) >= 6
