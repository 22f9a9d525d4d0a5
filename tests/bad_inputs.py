"""The catalogue of awkward uploads a public demo receives, written to a folder for the tests.

Each case is a file name, and what the user must be told: ``("error", regex)`` for a refusal in
words, ``("ok", regex)`` for a result whose summary says that (regex matched against the text).
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .conftest import EXAMPLES


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A few hundred bytes claiming to be a 30000x30000 PNG."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + _png_chunk(b"IEND", b"")


def _save(picture: Image.Image, path: Path, **options) -> None:
    picture.save(path, **options)


def write_catalogue(folder: Path) -> dict[str, tuple[str, str]]:
    masked = Image.open(EXAMPLES / "astronaut_surgical.jpg").convert("RGB")
    pixels = np.asarray(masked)
    jpeg = (EXAMPLES / "astronaut_surgical.jpg").read_bytes()
    cases: dict[str, tuple[str, str]] = {}

    def bytes_case(name: str, data: bytes, expect: tuple[str, str]) -> None:
        (folder / name).write_bytes(data)
        cases[name] = expect

    unreadable = ("error", "not a supported image")
    bytes_case("notes.jpg", b"just some text, not a photo\n", unreadable)
    bytes_case("letter.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", unreadable)
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "hello")
    bytes_case("archive.jpg", archive.getvalue(), unreadable)
    bytes_case("empty.png", b"", ("error", "the file is empty"))
    bytes_case("truncated.jpg", jpeg[: len(jpeg) // 3], ("error", "damaged or truncated"))
    bytes_case("bomb.png", bomb_png(), ("error", "megapixels"))

    huge = cv2.resize(pixels, (6400, 6400), interpolation=cv2.INTER_LINEAR)
    _save(Image.fromarray(huge), folder / "huge.jpg", quality=80)
    cases["huge.jpg"] = ("ok", "scaled down")

    frames = [masked, Image.fromarray(255 - pixels)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    cases["animated.gif"] = ("ok", "only the first")
    frames[0].save(folder / "pages.tif", save_all=True, append_images=frames[1:])
    cases["pages.tif"] = ("ok", "only the first")

    _save(masked.convert("CMYK"), folder / "cmyk.jpg", quality=90)
    cases["cmyk.jpg"] = ("ok", "1 face")
    # Grey versions start from the N95 example: MTCNN, the detector until issue 23, missed the grey surgical one.
    n95 = Image.open(EXAMPLES / "astronaut_n95.jpg").convert("RGB")
    deep = (cv2.cvtColor(np.asarray(n95), cv2.COLOR_RGB2GRAY).astype(np.uint16) * 257)
    _save(Image.fromarray(deep), folder / "deep16.png")
    cases["deep16.png"] = ("ok", "1 face")
    _save(masked.convert("P"), folder / "palette.png")
    cases["palette.png"] = ("ok", "1 face")
    rgba = masked.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.full(pixels.shape[:2], 255, np.uint8)))
    _save(rgba, folder / "rgba.png")
    cases["rgba.png"] = ("ok", "1 face")
    _save(n95.convert("L"), folder / "grey.png")
    cases["grey.png"] = ("ok", "1 face")

    # Stored lying on its side, with EXIF saying "rotate 90 degrees clockwise to display".
    sideways = masked.transpose(Image.Transpose.ROTATE_90)
    exif = sideways.getexif()
    exif[0x0112] = 6
    _save(sideways, folder / "rotated.jpg", exif=exif.tobytes(), quality=92)
    cases["rotated.jpg"] = ("ok", "1 face")

    _save(Image.new("RGB", (640, 480), (70, 130, 180)), folder / "sky.png")
    cases["sky.png"] = ("error", "No face found")

    face = cv2.resize(pixels[30:260, 110:340], (200, 200), interpolation=cv2.INTER_AREA)
    # 25 masked faces packed edge to edge: BlazeFace finds a few of them (3; MTCNN found 1), and
    # those are unmasked. Faces that touch on every side are beyond what either detector was made for.
    crowd = np.concatenate([np.concatenate([face] * 5, axis=1)] * 5, axis=0)
    _save(Image.fromarray(crowd), folder / "crowd.jpg", quality=92)
    cases["crowd.jpg"] = ("ok", r"\d+ faces? unmasked")

    # The whole portrait at 100 px: a face about 20 px wide, its eyes 9 px apart (the app needs 12).
    tiny = cv2.resize(pixels, (100, 100), interpolation=cv2.INTER_AREA)
    _save(Image.fromarray(tiny), folder / "tiny.png")
    cases["tiny.png"] = ("error", "too small")
    return cases
