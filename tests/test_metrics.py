"""The training package's image-quality measures on drawn images, where the answer is known."""
from __future__ import annotations

import numpy as np

from train import metrics
from unmask import frame


def skin(seed: int = 0) -> np.ndarray:
    """A flat skin-coloured frame with mild pixel noise, like the smooth chin of a face."""
    noise = np.random.default_rng(seed).normal(0, 3, (frame.SIZE, frame.SIZE, 1))
    return np.clip(np.array([200, 160, 140]) + noise, 0, 255).astype(np.uint8)


def test_a_line_down_from_the_mouth_corner_counts_as_a_chin_line_and_texture_does_not():
    landmarks = frame.TEMPLATE
    region = np.zeros((frame.SIZE, frame.SIZE), bool)
    region[60:112, 30:98] = True
    photo = skin(0)
    lined = skin(1)
    lined[92:110, int(landmarks[3][0])] = (120, 90, 80)  # 1 px wide, from under the left corner down
    assert metrics.vertical_line_strength(lined, region, landmarks) > 4 * metrics.vertical_line_strength(photo, region, landmarks)
    assert metrics.chin_line(lined, photo, region, landmarks) == 1.0
    assert metrics.chin_line(skin(2), photo, region, landmarks) == 0.0
    for x in (landmarks[3][0] - 3, landmarks[4][0] + 3):  # the edges of the columns it looks at
        edge = skin(1)
        edge[92:110, int(x)] = (120, 90, 80)
        assert metrics.chin_line(edge, photo, region, landmarks) == 1.0
    # The same line outside the region is the photo's own pixels: not the model's line.
    assert metrics.chin_line(lined, photo, np.zeros_like(region), landmarks) == 0.0


def test_detail_ratio_is_one_for_the_photo_and_near_zero_for_a_flat_fill():
    photo = skin(0)
    region = np.zeros((frame.SIZE, frame.SIZE), bool)
    region[70:110, 40:90] = True
    flat = photo.copy()
    flat[region] = photo[region].mean(axis=0).astype(np.uint8)
    assert metrics.detail_ratio(photo, photo, region) == 1.0
    assert metrics.detail_ratio(flat, photo, region) < 0.05


def test_mask_ghost_is_one_for_the_mask_showing_through_and_near_zero_for_a_face_drawn_afresh():
    region = np.zeros((frame.SIZE, frame.SIZE), bool)
    region[70:110, 40:90] = True
    masked = skin(0)
    masked[70:110:4, 40:90] = (40, 40, 160)  # a striped print
    assert metrics.mask_ghost(masked, masked, region) > 0.9999
    faint = (0.8 * skin(1) + 0.2 * masked).astype(np.uint8)  # the print still faintly there
    assert metrics.mask_ghost(faint, masked, region) > 0.8
    assert abs(metrics.mask_ghost(skin(2), masked, region)) < 0.1
    flat = skin(0)
    flat[region] = (200, 160, 140)
    assert abs(metrics.mask_ghost(flat, masked, region)) < 0.1
    # Light falling alike on the mask and on the face drawn under it is not the mask showing through.
    shading = np.linspace(0.6, 1.0, frame.SIZE)[None, :, None]
    assert abs(metrics.mask_ghost((skin(3) * shading).astype(np.uint8), (masked * shading).astype(np.uint8), region)) < 0.1
    # Sketches (grey) are scored alike.
    assert metrics.mask_ghost(masked[..., 0], masked[..., 0], region) > 0.9999
