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
