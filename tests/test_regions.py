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
    assert not grown[104 + regions.COLOUR_BAND + regions.REACH_BELOW :].any()


def test_below_the_region_it_reaches_further_down_a_hanging_mask():
    crop, _ = blue_mask_on_skin()
    crop[112:, 22:106] = crop[100:101, 22:106]  # the mask hangs on to the bottom of the frame
    region = np.zeros(crop.shape[:2], bool)
    region[65:80, 30:98] = True
    grown = regions.grow_by_colour(crop, region.astype(np.uint8) * 255, region)
    lowest = 79 + regions.COLOUR_BAND + regions.REACH_BELOW
    # Down past the ring to about where it may reach: there the mask goes on as surely-not-mask
    # pixels of its own colour, so GrabCut's one round rounds the bottom corners off over 4 rows.
    assert grown[80 : lowest - 3, 30:98].all()
    assert grown[lowest - 3 : lowest, 30:98].any(axis=0).mean() > 0.5
    assert not grown[lowest + 1 :].any()
    assert not grown[:, :20].any() and not grown[:, 108:].any()  # sideways only the band, and only mask


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
    masknet_only = regions.clean(regions.mask_probabilities(unmasker.kind.needed["masknet"], crops))
    found = regions.find(unmasker.kind.needed["masknet"], crops)
    assert found.shape == masknet_only.shape and found[masknet_only].all()


def test_a_mask_running_off_the_photo_is_followed_into_the_border_streaks():
    """Below row 100 the frame is the photo's last row replicated (a tight crop): the mask's
    streaks there are mask, its neighbours' are not, and GrabCut may only use them as such when
    told which pixels are the photo's."""
    crop, _ = blue_mask_on_skin()
    crop[100:] = crop[99]  # the photo ends at row 99, mid-mask
    photo = np.zeros(crop.shape[:2], bool)
    photo[:100] = True
    region = np.zeros_like(photo)
    region[65:70, 30:98] = True
    probability = region.astype(np.uint8) * 255
    streaks = np.zeros_like(photo)
    streaks[100:, 22:106] = True

    followed = regions.grow_by_colour(crop, probability, region, photo)
    assert followed[streaks].mean() > 0.95
    assert not followed[100:, :20].any() and not followed[100:, 108:].any()  # the skin's streaks stay out
    unknown = regions.grow_by_colour(crop, probability, region)  # every pixel taken for the photo's
    assert not unknown[70 + regions.COLOUR_BAND + regions.REACH_BELOW + 1 :].any()


def test_past_the_frame_the_region_follows_the_mask_down_and_not_onto_the_shirt():
    """In a widened frame the frame's region is continued by colour alone: the mask hanging on
    below the frame is added, the shirt below the mask and the skin beside it are not."""
    rng = np.random.default_rng(1)
    height, width = frame.SIZE + frame.WIDEN_BELOW, frame.SIZE + 2 * frame.WIDEN_SIDES
    skin, blue, shirt = np.array([205.0, 160, 135]), np.array([120.0, 170, 220]), np.array([60.0, 60, 60])
    crop = np.clip(skin + rng.normal(0, 6, (height, width, 3)), 0, 255)
    crop[70:160, 40:120] += blue - skin  # the mask, running on 32 px below the frame
    crop[160:, :] += shirt - crop[160:, :].mean((0, 1))  # then a dark shirt
    seeds = np.zeros((height, width), bool)
    seeds[75:frame.SIZE, 45:115] = True  # what the frame found, laid in the widened frame
    grown = regions.continued(crop.astype(np.uint8)[None], seeds[None], np.ones((1, height, width), bool), frame.WIDEN_BELOW)[0]
    assert grown[seeds].all()
    below = np.zeros_like(seeds)
    below[frame.SIZE:160, 45:115] = True
    assert grown[below].mean() > 0.9  # the mask past the frame
    assert not grown[165:].any()  # not the shirt
    assert not grown[80:150, :30].any() and not grown[80:150, 130:].any()  # not the skin beside it
