"""``python -m train look`` on the repo's own examples standing in for ../shared/data/real_masked."""
from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import cv2
import pytest

from train.__main__ import file_range, main
from train.look import LOWER_FACE, TILES_PER_ROW, ZOOM


def test_look_writes_numbered_lower_face_sheets_and_their_index(tmp_path):
    real_dir = tmp_path / "data" / "real_masked"
    real_dir.mkdir(parents=True)
    for example in sorted(Path("examples").glob("astronaut_*.jpg")):
        shutil.copy(example, real_dir)
    (real_dir / "broken.jpg").write_bytes(b"not an image")  # skipped like a photo without a face

    main(["look", "--data", str(tmp_path / "data"), "--files", "0:5", "--bundles", "unmask/weights", "unmask/weights",
          "--out", str(tmp_path / "look"), "--masknet-alone"])

    with (tmp_path / "look" / "index.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["face"] for r in rows] == [str(i) for i in range(len(rows))] and len(rows) >= 3
    assert all(r["file"].startswith("astronaut_") for r in rows)
    sheets = sorted((tmp_path / "look").glob("faces_*.png"))
    assert len(sheets) == 1
    sheet = cv2.imread(str(sheets[0]))
    rows_of_tiles = -(-len(rows) // TILES_PER_ROW)
    height, width = (round(s.stop - s.start) * ZOOM for s in LOWER_FACE)
    # Per tile: the input, then each bundle with masknet's region alone and grown by colour.
    assert sheet.shape[:2] == (rows_of_tiles * height, TILES_PER_ROW * 5 * width)


def test_file_ranges_are_start_before_stop():
    assert file_range("200:400") == (200, 400)
    for bad in ("400:200", "200", "a:b", ":5"):
        with pytest.raises(argparse.ArgumentTypeError):
            file_range(bad)


def test_look_whole_writes_numbered_sheets_of_returned_photos(tmp_path):
    """``--whole``: per photo with a face, the masked photo beside each bundle's returned photo,
    cut around the largest face; photos that cannot be read or hold no face are skipped."""
    from train.look import WHOLE_HEIGHT, WHOLE_PER_ROW

    real_dir = tmp_path / "data" / "real_masked"
    real_dir.mkdir(parents=True)
    for name in ("astronaut_scarf.jpg", "astronaut_n95.jpg"):
        shutil.copy(Path("examples") / name, real_dir)
    (real_dir / "broken.jpg").write_bytes(b"not an image")

    main(["look", "--data", str(tmp_path / "data"), "--files", "0:3", "--bundles", "unmask/weights", "--whole",
          "--out", str(tmp_path / "whole")])

    with (tmp_path / "whole" / "index.csv").open() as f:
        assert [r["file"] for r in csv.DictReader(f)] == ["astronaut_n95.jpg", "astronaut_scarf.jpg"]
    sheet = cv2.imread(str(tmp_path / "whole" / "faces_000-001.png"))
    assert sheet.shape[0] == WHOLE_HEIGHT
    tile_width = sheet.shape[1] // WHOLE_PER_ROW
    masked, returned = sheet[:, : tile_width // 2].astype(int), sheet[:, tile_width // 2 : tile_width].astype(int)
    assert masked.shape == returned.shape and abs(masked - returned).mean() > 1  # the face was redrawn
