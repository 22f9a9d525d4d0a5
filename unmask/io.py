"""Safe image decoding: bytes or a path in, RGB uint8 out, or one ``UnreadableImage`` error.

Pillow does the parsing. We apply the EXIF orientation, keep only the first frame of animations
and multi-page files, turn every mode (grey, palette, RGBA, CMYK, 16-bit) into 8-bit RGB, refuse
files whose header promises more than ``MAX_DECODE_PIXELS`` before decoding any pixel, and scale
photos larger than ``MAX_WORK_PIXELS`` down (JPEGs already while decoding) with a notice.
"""
from __future__ import annotations

import io as _io
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_DECODE_PIXELS = 200_000_000  # beyond this a file is a decompression bomb or a mistake: refused
MAX_WORK_PIXELS = 24_000_000  # a 6000x4000 photo; larger ones are scaled down to this, not refused


SYNTHESIZED_NOTE = "Synthesized by unmask: the face under the mask is a machine-made guess, not the real person."


class UnreadableImage(ValueError):
    """The input is not an image we can read; the message says why in plain words."""


@dataclass
class Photo:
    pixels: np.ndarray  # (H, W, 3) uint8 RGB, upright
    original_size: tuple[int, int]  # (width, height) as stored in the file
    notes: list[str] = field(default_factory=list)


# Pillow's format plugins raise these on malformed headers (the decoding fuzz test found a TIFF
# without its width tag raising KeyError); they mean "damaged file" as much as OSError does.
_MALFORMED_HEADER_ERRORS = (KeyError, IndexError, TypeError, struct.error, ZeroDivisionError)


def decode(source: bytes | str | Path) -> np.ndarray:
    """RGB uint8 pixels of an image file or its bytes."""
    return read(source).pixels


def read(source: bytes | str | Path) -> Photo:
    """Decode, and say what was done to the picture on the way (scaled down, frames dropped)."""
    try:
        stream = _io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError as error:
        raise UnreadableImage(f"cannot open {source}: {error.strerror or error}") from None
    with stream:
        if not stream.read(1):
            raise UnreadableImage("the file is empty")
        stream.seek(0)
        try:
            with Image.open(stream) as picture:
                return _decode_opened(picture)
        except UnreadableImage:
            raise
        except Image.DecompressionBombError:
            raise UnreadableImage(_too_large_message()) from None
        except UnidentifiedImageError:
            stream.seek(0)
            raise UnreadableImage(_unsupported_message(stream.read(512))) from None
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError, *_MALFORMED_HEADER_ERRORS) as error:
            if "MAX_TEXT" in str(error):  # Pillow's guard against text chunks that inflate to gigabytes
                raise UnreadableImage("the file carries far more metadata than a photo needs, which we do not read: "
                                      "save the photo again (a screenshot or an export drops it)") from None
            raise UnreadableImage(f"the image file is damaged or truncated ({error!r})") from None


# Formats a phone or a browser can hand over that Pillow cannot open without extra plug-ins.
_CONTAINER_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC", b"heim": "HEIC", b"heis": "HEIC",
                     b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}


def _unsupported_message(head: bytes) -> str:
    """Why a file Pillow does not know is refused, naming the format where its first bytes tell it."""
    if head[4:8] == b"ftyp":
        kind = _CONTAINER_BRANDS.get(head[8:12])
        if kind:
            where = " (an iPhone saves HEIC by default)" if kind == "HEIC" else ""
            return f"{kind} photos are not supported here{where}: save or export it as JPEG or PNG and try again"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in head.lower():
        return "an SVG drawing is not a photo: export it as PNG or JPEG, or upload a photo"
    return "not a supported image file (try a JPEG or PNG photo)"


def _too_large_message(width: int | None = None, height: int | None = None) -> str:
    size = f"{width}x{height} pixels, " if width else ""
    return f"image is {size}more than the {MAX_DECODE_PIXELS // 1_000_000} megapixels we can open"


def _decode_opened(picture: Image.Image) -> Photo:
    width, height = picture.size
    if width * height > MAX_DECODE_PIXELS:
        raise UnreadableImage(_too_large_message(width, height))
    notes = []
    if getattr(picture, "n_frames", 1) > 1:
        notes.append(f"The file holds {picture.n_frames} frames; only the first was used.")
    picture.seek(0)
    if picture.format == "JPEG" and width * height > MAX_WORK_PIXELS:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a huge JPEG never needs full memory.
        factor = (width * height / MAX_WORK_PIXELS) ** 0.5
        picture.draft("RGB", (int(width / factor), int(height / factor)))
    picture.load()
    upright = ImageOps.exif_transpose(picture)
    if upright.width * upright.height > MAX_WORK_PIXELS:
        factor = (upright.width * upright.height / MAX_WORK_PIXELS) ** 0.5
        upright = upright.resize((int(upright.width / factor), int(upright.height / factor)), Image.Resampling.BOX)
    if upright.size not in ((width, height), (height, width)):
        notes.append(f"The {width}x{height} photo was scaled down to {upright.width}x{upright.height} to keep it fast.")
    return Photo(to_rgb(upright), (width, height), notes)


def to_rgb(picture: Image.Image) -> np.ndarray:
    """Any Pillow mode -> (H, W, 3) uint8. Transparency is laid over white, deep images rescaled."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(picture, dtype=np.float64)
        top = 65535.0 if picture.mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(values / top * 255.0, 0, 255).round().astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, rgba)
    return np.asarray(picture.convert("RGB"), dtype=np.uint8).copy()


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes labelled as synthesized in their metadata (a ``Description`` text chunk).

    OpenCV writes it with each row stored as its difference from the row above and zlib's fastest
    run-length setting: 32 ms for a 1024x1024 photo where Pillow's fastest level takes 58 ms, for a
    file of the same size (``bench.stages`` times it). The text chunk is laid in after the header."""
    rgb = pixels[..., ::-1] if pixels.ndim == 3 else pixels
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(rgb), [
        cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
        cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE])
    if not ok:
        raise ValueError(f"could not encode an image of shape {pixels.shape} as PNG")
    data = b"Description\0" + SYNTHESIZED_NOTE.encode("latin-1")
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    png = encoded.tobytes()
    header_end = 8 + 25  # the signature, then IHDR: length, type, 13 bytes, CRC
    return png[:header_end] + chunk + png[header_end:]


def encode_jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes labelled as synthesized in a comment: ~5 ms for a 1024x1024 photo where PNG
    takes ~57 ms, for the page, which shows photos rather than archiving them."""
    buffer = _io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality, comment=SYNTHESIZED_NOTE.encode())
    return buffer.getvalue()
