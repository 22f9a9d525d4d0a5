"""Property test of the decoding path: whatever bytes arrive, decode returns an RGB uint8 image
or raises UnreadableImage, never anything else."""
from __future__ import annotations

import io as stdlib_io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from unmask import io


def _encoded(fmt: str) -> bytes:
    rng = np.random.default_rng(0)
    buffer = stdlib_io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(buffer, format=fmt)
    return buffer.getvalue()


SEEDS = [_encoded(fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]


def check(data: bytes) -> None:
    try:
        image = io.decode(data)
    except io.UnreadableImage as error:
        assert str(error)
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
       cut=st.integers(0, 10_000))
def test_mutated_images_decode_or_are_refused(seed, flips, cut):
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    check(bytes(data[: max(1, len(data) - cut % len(data))]))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=512))
def test_random_bytes_are_refused_or_decoded(data):
    check(data)


def test_a_tiff_without_its_width_tag_is_refused():
    """Found by the test above: one flipped byte drops the width tag and Pillow raises KeyError."""
    data = bytearray(SEEDS[4])
    data[130] = 1
    check(bytes(data))
