"""Safe image decoding: bytes or a path in, RGB uint8 out, or one ``UnreadableImage`` error.

Pillow does the parsing. We apply the EXIF orientation, keep only the first frame of animations,
turn every mode (grey, palette, RGBA, CMYK, 16-bit) into 8-bit RGB, and refuse images whose
header promises more pixels than ``MAX_PIXELS`` before any of them is decoded.
"""
from __future__ import annotations

import io as _io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 64_000_000  # 8000x8000: a phone photo is ~12 MP; beyond this is a bomb or a mistake


class UnreadableImage(ValueError):
    """The input is not an image we can read; the message says why in plain words."""


def decode(source: bytes | str | Path) -> np.ndarray:
    try:
        stream = _io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError as error:
        raise UnreadableImage(f"cannot open {source}: {error.strerror or error}") from None
    with stream:
        try:
            with Image.open(stream) as picture:
                width, height = picture.size
                if width * height > MAX_PIXELS:
                    raise UnreadableImage(
                        f"image is {width}x{height} pixels, more than the {MAX_PIXELS // 1_000_000} megapixels we accept"
                    )
                picture.seek(0)
                picture.load()
                return to_rgb(ImageOps.exif_transpose(picture))
        except UnreadableImage:
            raise
        except Image.DecompressionBombError:
            raise UnreadableImage(f"image has far more than the {MAX_PIXELS // 1_000_000} megapixels we accept") from None
        except UnidentifiedImageError:
            raise UnreadableImage("not a supported image file (try a JPEG or PNG photo)") from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise UnreadableImage(f"the image file is damaged or truncated ({error})") from None


def to_rgb(picture: Image.Image) -> np.ndarray:
    """Any Pillow mode -> (H, W, 3) uint8. Transparency is laid over white, deep images rescaled."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(picture, dtype=np.float64)
        top = 65535.0 if picture.mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(values / top * 255.0, 0, 255).round().astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, rgba)
    return np.asarray(picture.convert("RGB"), dtype=np.uint8).copy()


def encode_png(image: np.ndarray) -> bytes:
    buffer = _io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()
