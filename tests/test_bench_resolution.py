"""bench.resolution's measuring parts on the repo's own examples (its data-dependent parts need ../shared)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from bench.resolution import aligned_at, paste_back_scale
from train.prepare import align_face, list_images

EXAMPLE = Path("examples/astronaut_n95.jpg")


def test_a_face_aligned_at_256_is_the_128_crop_at_twice_the_size():
    large, valid = aligned_at(EXAMPLE, 256)
    crop, _ = align_face(EXAMPLE)
    assert large.shape == (256, 256, 3) and valid.shape == (256, 256) and valid.mean() > 0.5
    halved = cv2.resize(large, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32)
    # 3.2 grey levels measured; the same crop shifted by 1 px differs by 7
    assert np.abs(halved - crop.pixels.astype(np.float32)).mean() < 4


def test_paste_back_scale_is_photo_pixels_per_frame_pixel():
    scales = paste_back_scale(Path("examples"), None)
    assert 0 < len(scales) <= len(list_images(Path("examples")))
    # The 512 px astronaut's eyes are about 40 px apart against the frame's 34.
    assert np.all((scales > 0.8) & (scales < 2))
