import io as stdlib_io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from unmask import io


def png_bytes(picture: Image.Image, **options) -> bytes:
    buffer = stdlib_io.BytesIO()
    picture.save(buffer, format=options.pop("format", "PNG"), **options)
    return buffer.getvalue()


def test_modes_become_rgb_uint8():
    rgb = (np.arange(12 * 10 * 3) % 256).astype(np.uint8).reshape(12, 10, 3)
    for picture in (Image.fromarray(rgb).convert("L"), Image.fromarray(rgb).convert("P"), Image.fromarray(rgb).convert("CMYK"),
                    Image.fromarray(rgb).convert("RGBA")):
        fmt = "JPEG" if picture.mode == "CMYK" else "PNG"
        out = io.decode(png_bytes(picture, format=fmt))
        assert out.shape == (12, 10, 3) and out.dtype == np.uint8


def test_transparency_is_laid_over_white():
    rgba = np.zeros((4, 4, 4), np.uint8)
    out = io.decode(png_bytes(Image.fromarray(rgba, "RGBA")))
    assert (out == 255).all()


def test_sixteen_bit_grey_is_rescaled_not_clipped():
    deep = np.full((8, 8), 32768, np.uint16)
    out = io.decode(png_bytes(Image.fromarray(deep)))
    assert 120 <= out[0, 0, 0] <= 135


def test_exif_orientation_is_applied():
    tall = np.zeros((20, 10, 3), np.uint8)
    tall[:5] = 255  # white band at the top
    picture = Image.fromarray(tall)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    out = io.decode(png_bytes(picture, format="JPEG", exif=exif.tobytes()))
    assert out.shape[:2] == (10, 20)
    assert out[:, -5:].mean() > 200  # the top band is now on the right


def test_first_frame_of_an_animation():
    frames = [Image.new("RGB", (6, 6), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    buffer = stdlib_io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    out = io.decode(buffer.getvalue())
    assert out[0, 0, 0] > 200 and out[0, 0, 1] < 50


@pytest.mark.parametrize("payload", [b"hello, this is text", b"%PDF-1.4\n1 0 obj\n", b"PK\x03\x04" + bytes(40)])
def test_not_an_image_is_refused_in_words(payload):
    with pytest.raises(io.UnreadableImage, match="not a supported image"):
        io.decode(payload)


def test_truncated_file_is_refused_in_words():
    data = png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)), format="JPEG")
    with pytest.raises(io.UnreadableImage):
        io.decode(data[: len(data) // 3])


def test_decompression_bomb_is_refused_before_decoding():
    # A valid PNG header that claims 30000x30000 pixels: refused from the header alone.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    with pytest.raises(io.UnreadableImage, match="megapixels"):
        io.decode(bomb)


def test_missing_file_is_refused_in_words(tmp_path):
    with pytest.raises(io.UnreadableImage, match="cannot open"):
        io.decode(tmp_path / "nope.jpg")


def test_empty_file_is_refused_in_words():
    with pytest.raises(io.UnreadableImage, match="empty"):
        io.decode(b"")


@pytest.mark.parametrize("shape", [(37, 53, 3), (20, 31)])
def test_png_keeps_every_pixel_and_says_it_is_synthesized(shape):
    """The PNG is written by OpenCV and labelled in a text chunk laid in by hand: Pillow (which
    checks each chunk's CRC) must read back the same pixels and the label."""
    pixels = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    with Image.open(stdlib_io.BytesIO(io.encode_png(pixels))) as png:
        png.load()
        assert np.array_equal(np.asarray(png), pixels)
        assert png.info["Description"] == io.SYNTHESIZED_NOTE
    assert np.array_equal(io.decode(io.encode_png(pixels)), pixels if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, 2))
