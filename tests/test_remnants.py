"""``train.remnants``: the pairs ``remnant`` learns from. Missed pieces lie on the true region's
edge, drawn ones just outside the region, and the targets are exactly those pieces."""
import cv2
import numpy as np

from train import remnants
from unmask import frame


def lower_face_region() -> np.ndarray:
    region = np.zeros((frame.SIZE, frame.SIZE), np.uint8)
    cv2.ellipse(region, (64, 90), (40, 32), 0, 0, 360, 1, -1)
    return region > 0


def within(pixels: np.ndarray, of: np.ndarray, distance: int) -> bool:
    near = cv2.dilate(of.astype(np.uint8), np.ones((2 * distance + 1, 2 * distance + 1), np.uint8)) > 0
    return bool(near[pixels].all())


def test_cut_regions_only_lose_a_piece_of_their_edge():
    region = lower_face_region()
    edge = region & ~(cv2.erode(region.astype(np.uint8), np.ones((21, 21), np.uint8)) > 0)  # 10 px inside the edge
    rng = np.random.default_rng(0)
    missed = []
    for _ in range(40):
        found = remnants.cut_region(region, rng)
        assert not (found & ~region).any()
        piece = region & ~found
        assert not (piece & ~edge).any()
        missed.append(int(piece.sum()))
    assert 0 in missed and max(missed) > 50  # some left whole, some cut


def test_drawn_remnants_lie_just_outside_the_region_and_show():
    region = lower_face_region()
    result = np.full((frame.SIZE, frame.SIZE, 3), (190, 140, 120), np.uint8)
    prints = np.random.default_rng(1).integers(0, 256, (4, frame.SIZE, frame.SIZE, 3), np.uint8)
    rng = np.random.default_rng(0)
    drawn_count = 0
    for _ in range(30):
        drawn, band = remnants.draw_remnant(result, region, rng, prints)
        if not band.any():
            continue
        drawn_count += 1
        assert not (band & region).any() and within(band, region, 8)
        changed = np.abs(drawn.astype(int) - result).mean(axis=-1)
        assert changed[band].mean() >= remnants.MIN_VISIBLE
        # Only the band and its softened edge changed.
        assert not (changed > 0)[~(cv2.dilate(band.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)].any()
    assert drawn_count > 10


class FlatGenerator:
    """Stands in for ``inpaint``: draws one flat skin colour wherever it is asked to."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.array([200, 150, 130], np.uint8), batch.shape[:3] + (3,)).copy()


def test_pairs_target_what_the_given_region_missed():
    rng = np.random.default_rng(2)
    count = 24
    masked = rng.integers(0, 256, (count, frame.SIZE, frame.SIZE, 3), np.uint8)
    truth = np.repeat(lower_face_region()[None], count, axis=0)
    pairs = remnants.remnant_pairs({"masked": masked, "region": truth}, FlatGenerator(), seed=0)
    result, given = pairs["inputs"][..., :3], pairs["inputs"][..., 3] == 255
    targets = pairs["targets"]
    assert pairs["inputs"].shape == (count, frame.SIZE, frame.SIZE, 4) and targets.dtype == bool
    assert not (targets & given).any()
    assert (result[given] == (200, 150, 130)).all()  # the generator's pixels inside the region it was given
    missed = truth & ~given
    assert (targets[missed]).all()  # a cut piece is always a target ...
    # ... and still shows the mask (where no drawn band lies over it)
    assert (result[missed] == masked[missed]).all(axis=-1).mean() > 0.5
    assert (targets & ~truth).any()  # some targets are drawn outside the true region
    assert (~targets.any(axis=(1, 2))).any()  # and some pairs have none: a clean result is left alone
