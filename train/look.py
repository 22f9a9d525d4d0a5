"""Sheets for judging real masked photos by eye, where no ground truth exists.

    python -m train look --data ../shared/data --files 200:400 --bundles unmask/weights build/other

Each tile is one face's lower half at 2.5x: the aligned input, then the inpainted result of each
bundle (its own masknet and generator; a bundle that holds only one of them borrows the other from
the shipped weights). Tiles are numbered by the face's place in the range. ``index.csv`` maps those
numbers to file names, so a count ("mask left on faces 21, 27, 68") can be checked later, or
against another bundle on the same faces. Faces are found as training finds them (one look,
``train.prepare.align_face``), so the numbering does not change when the app's detection does.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from unmask import models, weights
from unmask.pipeline import inpaint_crops

LOWER_FACE = (slice(44, 124), slice(16, 112))  # rows and columns of the frame: nose bridge to chin, cheek to cheek
ZOOM = 2.5
TILES_PER_ROW, ROWS_PER_SHEET = 3, 5


def real_crops(real_dir: Path, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Aligned crops, photo-pixel masks and file names of the faces found in files ``start:stop`` (sorted by name)."""
    from train.prepare import align_face, list_images

    crops, valid, names = [], [], []
    for source in tqdm(list_images(real_dir)[start:stop], desc="aligning", unit="photo"):
        crop, inside, _ = align_face(source)
        if crop is not None:
            crops.append(crop.pixels)
            valid.append(inside)
            names.append(source.name)
    return np.stack(crops), np.stack(valid), names


def bundle_model(bundle: Path, name: str) -> models.FaceModel:
    path = bundle / f"{name}.keras"
    return models.FaceModel(name, path if path.exists() else weights.BUNDLED_DIR / f"{name}.keras")


def results_of(bundle: Path, crops: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The bundle's inpainted faces, flat grey outside the photo (the app never pastes that back)."""
    generator, segmenter = bundle_model(bundle, "inpaint"), bundle_model(bundle, "masknet")
    faces = np.concatenate([inpaint_crops(generator, segmenter, crops[i : i + 64])[0] for i in range(0, len(crops), 64)])
    return np.where(valid[..., None], faces, 128).astype(np.uint8)


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
        path = out / f"faces_{first:03d}-{first + len(tiles[first : first + per_sheet]) - 1:03d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))
        paths.append(path)
    return paths


def look(real_dir: Path, start: int, stop: int, bundles: list[Path], out: Path) -> list[Path]:
    crops, valid, names = real_crops(real_dir, start, stop)
    columns = [crops] + [results_of(bundle, crops, valid) for bundle in bundles]
    out.mkdir(parents=True, exist_ok=True)
    with (out / "index.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("face", "file")] + list(enumerate(names)))
    paths = sheets(columns, out)
    print(f"{len(names)} faces in files {start}:{stop} of {real_dir}; columns: input, "
          + ", ".join(str(b) for b in bundles) + f"; {len(paths)} sheets in {out}")
    return paths
