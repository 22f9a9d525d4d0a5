"""Property test of the whole path: random sizes, modes and paintings through ``Unmasker.unmask``
(and the live and group entry points). Nothing may escape but the project's typed errors, and
whatever comes back has the photo's size."""
from __future__ import annotations

import io as stdlib_io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from unmask import io
from unmask.pipeline import NoFaceFound, PaintingMismatch

from .conftest import EXAMPLES

TYPED = (NoFaceFound, PaintingMismatch, io.UnreadableImage)
MODES = ["RGB", "RGBA", "L", "LA", "P", "PA", "I;16", "I", "F", "CMYK", "1", "YCbCr"]
FACE = np.asarray(Image.open(EXAMPLES / "astronaut_surgical.jpg").convert("RGB"))


def picture(width: int, height: int, mode: str, content: str, seed: int) -> bytes:
    """A PNG (or TIFF, for modes PNG cannot hold) of the given size and mode: noise, flat, or the example face resized."""
    rng = np.random.default_rng(seed)
    if content == "face":
        pixels = np.asarray(Image.fromarray(FACE).resize((width, height)))
    elif content == "flat":
        pixels = np.full((height, width, 3), rng.integers(0, 256), np.uint8)
    else:
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode) if mode not in ("I;16", "I", "F") else \
        Image.fromarray(pixels[..., 0].astype({"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]) * 7)
    buffer = stdlib_io.BytesIO()
    image.save(buffer, format="TIFF" if mode in ("CMYK", "YCbCr", "F", "I", "PA") else "PNG")
    return buffer.getvalue()


sizes = st.one_of(st.integers(1, 8), st.integers(9, 300), st.integers(301, 1400))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(width=sizes, height=sizes, mode=st.sampled_from(MODES), content=st.sampled_from(["face", "noise", "flat"]),
       seed=st.integers(0, 2**16), paint=st.sampled_from([None, "same", "other", "empty", "rgb"]),
       entry=st.sampled_from(["unmask", "frame", "faces"]))
def test_nothing_but_typed_errors_escape_the_whole_path(unmasker, width, height, mode, content, seed, paint, entry):
    try:
        photo = io.read(picture(width, height, mode, content, seed))
    except io.UnreadableImage:
        return
    pixels = photo.pixels
    painted = {None: None, "same": np.ones(pixels.shape[:2], bool), "other": np.ones((7, 300), bool),
               "empty": np.zeros((0, 0), bool), "rgb": np.ones((*pixels.shape[:2], 3), np.uint8)}[paint]
    try:
        if entry == "frame":
            result = unmasker.unmask_frame(pixels)
        elif entry == "faces":
            found = unmasker.find_faces(pixels)
            result = unmasker.unmask(pixels, painted=painted, faces=[f.number for f in found][:1] or None)
        else:
            result = unmasker.unmask(pixels, painted=painted)
    except TYPED as error:
        assert str(error)
        return
    assert result.image.shape == pixels.shape and result.image.dtype == np.uint8
    if result.sketch is not None:
        assert result.sketch.shape == pixels.shape[:2]
