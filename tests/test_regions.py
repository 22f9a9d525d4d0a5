import numpy as np

from unmask import frame, regions

from .conftest import EXAMPLES


def blue_mask_on_skin(top: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """A noisy skin-coloured crop with a blue mask over rows ``top``-111, columns 22-105,
    and a masknet-like region that stops short of it by 8 px at the sides and the bottom."""
    rng = np.random.default_rng(0)
    crop = np.clip(np.array([205.0, 160, 135]) + rng.normal(0, 6, (frame.SIZE, frame.SIZE, 3)), 0, 255)
    crop[top:112, 22:106] += np.array([120.0, 170, 220]) - np.array([205.0, 160, 135])
    region = np.zeros((frame.SIZE, frame.SIZE), bool)
    region[max(top, frame.EYE_CLEARANCE_ROW) + 5 : 104, 30:98] = True
    return crop.astype(np.uint8), region


def test_the_region_grows_into_the_rest_of_the_mask_and_not_onto_skin():
    crop, region = blue_mask_on_skin()
    probability = region.astype(np.uint8) * 255
    grown = regions.grow_by_colour(crop, probability, region)
    mask = np.zeros_like(region)
    mask[60:112, 22:106] = True
    assert grown[region].all()  # it only ever adds
    missed_before = (mask & ~region).sum()
    missed_after = (mask & ~grown).sum()
    assert missed_after < 0.05 * missed_before
    # Nothing but mask was added: no skin beside it, none below it.
    assert (grown & ~mask).sum() < 0.02 * grown.sum()
    assert not grown[104 + regions.COLOUR_BAND :].any()


def test_the_region_never_grows_over_the_eyes():
    crop, region = blue_mask_on_skin(top=30)  # a mask pulled up over the eyes
    grown = regions.grow_by_colour(crop, region.astype(np.uint8) * 255, region)
    assert not grown[: frame.EYE_CLEARANCE_ROW].any()
    assert grown[60:104, 22:30].all() and grown[60:104, 98:106].all()  # below them it still grows


def test_growing_is_deterministic_and_leaves_a_speck_alone():
    crop, region = blue_mask_on_skin()
    probability = region.astype(np.uint8) * 255
    assert np.array_equal(regions.grow_by_colour(crop, probability, region), regions.grow_by_colour(crop, probability, region))
    speck = np.zeros_like(region)
    speck[80:85, 60:65] = True
    assert np.array_equal(regions.grow_by_colour(crop, speck.astype(np.uint8) * 255, speck), speck)


def test_found_regions_contain_what_masknet_alone_finds(unmasker):
    from unmask import io

    crops = np.stack([unmasker.pre_process(io.decode(EXAMPLES / name)).crops[0].pixels
                      for name in ("astronaut_scarf.jpg", "astronaut_surgical.jpg")])
    masknet_only = regions.clean(regions.mask_probabilities(unmasker.segmenter, crops))
    found = regions.find(unmasker.segmenter, crops)
    assert found.shape == masknet_only.shape and found[masknet_only].all()
