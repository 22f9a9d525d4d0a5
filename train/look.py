"""Sheets for judging real masked photos by eye, where no ground truth exists.

    python -m train look --data ../shared/data --files 200:400 --bundles unmask/weights build/other

Each tile is one face's lower half at 2.5x: the aligned input, then what ``inpaint`` makes of it
with each weight folder (its own masknet and generator: copy unmask/weights, then train into the
copy); ``--masknet-alone`` puts each folder's result with masknet's region alone (not grown
into the mask's colours) before it. Tiles are numbered by the face's place in the range.
``index.csv`` maps those numbers to file names, so a count ("mask left on faces 21, 27, 68") can
be checked later, or against another folder on the same faces. Faces are found as training finds
them (one look, ``train.prepare.align_face``), so the numbering does not change when the app's
detection does.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from train.evaluate import model_outputs, photo_pixels_only
from train.prepare import aligned_faces

LOWER_FACE = (slice(44, 124), slice(16, 112))  # rows and columns of the frame: nose bridge to chin, cheek to cheek
ZOOM = 2.5
TILES_PER_ROW, ROWS_PER_SHEET = 3, 5


def sheets(columns: list[np.ndarray], out: Path) -> list[Path]:
    """Write numbered lower-face tiles (the columns side by side) as PNG sheets; returns their paths."""
    tiles = []
    for i in range(len(columns[0])):
        tile = np.concatenate([column[i][LOWER_FACE] for column in columns], axis=1)
        tile = cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC)
        cv2.putText(tile, str(i), (3, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2)
        tiles.append(tile)
    per_sheet = TILES_PER_ROW * ROWS_PER_SHEET
    paths = []
    out.mkdir(parents=True, exist_ok=True)
    for first in range(0, len(tiles), per_sheet):
        group = tiles[first : first + per_sheet]
        group += [np.zeros_like(tiles[0])] * (-len(group) % TILES_PER_ROW)
        rows = [np.concatenate(group[k : k + TILES_PER_ROW], axis=1) for k in range(0, len(group), TILES_PER_ROW)]
        path = out / f"faces_{first:03d}-{min(first + per_sheet, len(tiles)) - 1:03d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))
        paths.append(path)
    return paths


def look(real_dir: Path, start: int, stop: int, bundles: list[Path], out: Path, masknet_alone: bool = False) -> list[Path]:
    """``masknet_alone``: before each bundle's result, its result with masknet's region alone (not
    grown into the mask's colours), to see what the growing changes."""
    crops, valid, names = aligned_faces(real_dir, start, stop)
    if not names:
        print(f"no face found in files {start}:{stop} of {real_dir}")
        return []
    runs = [(bundle, by_colour) for bundle in bundles for by_colour in ([False, True] if masknet_alone else [True])]
    columns = [crops] + [photo_pixels_only(model_outputs("inpaint", crops, bundle, valid, by_colour), valid)
                         for bundle, by_colour in runs]
    out.mkdir(parents=True, exist_ok=True)
    with (out / "index.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("face", "file")] + list(enumerate(names)))
    paths = sheets(columns, out)
    print(f"{len(names)} faces in files {start}:{stop} of {real_dir}; columns: input, "
          + ", ".join(f"{b}{'' if by_colour else ' (masknet alone)'}" for b, by_colour in runs) + f"; {len(paths)} sheets in {out}")
    return paths
