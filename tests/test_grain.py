"""``unmask.grain``: what was redrawn gets the photo's own fine grain, and nothing else changes."""
from __future__ import annotations

import numpy as np

from unmask import grain


def grainy_photo(strength: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(128 + rng.normal(0, strength, (200, 200, 1)).repeat(3, axis=2), 0, 255).astype(np.uint8)


def region() -> np.ndarray:
    weight = np.zeros((200, 200), np.float32)
    weight[80:140, 60:140] = 1.0
    return weight


def texture_std(image: np.ndarray, where: np.ndarray) -> float:
    grey = image[..., 0].astype(np.float32)
    return float(grain.fine_texture(grey)[where].std())


def test_a_smooth_redrawn_region_gets_the_grain_around_it():
    photo = grainy_photo(8.0)
    result = photo.copy()
    weight = region()
    result[weight > 0] = 128  # redrawn as a flat patch
    matched = grain.match(result, photo, weight, face_size=100)
    inside = weight >= 0.5
    assert abs(texture_std(matched, inside) - texture_std(photo, ~inside)) < 0.15 * texture_std(photo, ~inside)
    assert np.array_equal(matched[~(weight > 0)], result[~(weight > 0)])  # outside untouched
    assert abs(float(matched[inside].mean()) - 128) < 1  # grain only, no change of tone


def test_a_region_as_grainy_as_the_photo_or_a_clean_photo_is_left_alone():
    photo = grainy_photo(8.0)
    assert np.array_equal(grain.match(photo, photo, region(), face_size=100), photo)
    clean = grainy_photo(0.0)
    assert np.array_equal(grain.match(clean, clean, region(), face_size=100), clean)
