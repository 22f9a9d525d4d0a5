"""Sheets for judging real masked photos by eye, where no ground truth exists.

    python -m train look --data ../shared/data --files 200:400 --bundles unmask/weights build/other
    python -m train look --files 400:600 --whole      # the photos as the user gets them back

Each tile is one face's lower half at 2.5x: the aligned input, then what ``inpaint`` makes of it
with each weight folder (its own masknet and generator: copy unmask/weights, then train into the
copy); ``--masknet-alone`` puts each folder's result with masknet's region alone (not grown
into the mask's colours) before it. Tiles are numbered by the face's place in the range.
``index.csv`` maps those numbers to file names, so a count ("mask left on faces 21, 27, 68") can
be checked later, or against another folder on the same faces. Faces are found as training finds
them (one look, ``train.prepare.align_face``), so the numbering does not change when the app's
detection does. ``--whole`` numbers photos instead: each tile is the photo as ``Unmasker.unmask``
returns it, its largest face and what lies around it (a scarf past the chin, the paste-back's
edges), which frame tiles cannot show; ``--frame-only`` turns the widened frame off to compare.
"""
from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train.evaluate import model_outputs, photo_pixels_only
from train.prepare import aligned_faces, list_images
from unmask import io
from unmask.pipeline import NoFaceFound, Unmasker

LOWER_FACE = (slice(44, 124), slice(16, 112))  # rows and columns of the frame: nose bridge to chin, cheek to cheek
ZOOM = 2.5
TILES_PER_ROW, ROWS_PER_SHEET = 3, 5
WHOLE_HEIGHT, WHOLE_PER_ROW = 240, 2  # whole-photo tiles (``--whole``): px high, tiles a row


def sheets(columns: list[np.ndarray], out: Path) -> list[Path]:
    """Write numbered lower-face tiles (the columns side by side) as PNG sheets; returns their paths."""
    tiles = []
    for i in range(len(columns[0])):
        tile = np.concatenate([column[i][LOWER_FACE] for column in columns], axis=1)
        tiles.append(cv2.resize(tile, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_CUBIC))
    return tile_sheets(tiles, out)


def tile_sheets(tiles: list[np.ndarray], out: Path, per_row: int = TILES_PER_ROW) -> list[Path]:
    """Number the tiles, pad them to one size and write them as PNG sheets; returns their paths."""
    height, width = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    tiles = [np.pad(t, ((0, height - t.shape[0]), (0, width - t.shape[1]), (0, 0))) for t in tiles]
    for i, tile in enumerate(tiles):
        cv2.putText(tile, str(i), (3, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2)
    per_sheet = per_row * ROWS_PER_SHEET
    paths = []
    out.mkdir(parents=True, exist_ok=True)
    for first in range(0, len(tiles), per_sheet):
        group = tiles[first : first + per_sheet]
        group += [np.zeros_like(tiles[0])] * (-len(group) % per_row)
        rows = [np.concatenate(group[k : k + per_row], axis=1) for k in range(0, len(group), per_row)]
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


def around_face(box: tuple[int, int, int, int], images: list[np.ndarray], height: int = WHOLE_HEIGHT) -> np.ndarray:
    """The same part of each image (same size) side by side, ``height`` px high: the face of
    ``box`` and what lies below and beside it (a third of the face above, a face's height below)."""
    x, y, w, h = box
    rows = slice(max(y - h // 3, 0), min(y + 2 * h, images[0].shape[0]))
    cols = slice(max(x - h // 2, 0), min(x + w + h // 2, images[0].shape[1]))
    zoom = height / (rows.stop - rows.start)
    return np.concatenate([cv2.resize(np.ascontiguousarray(image[rows, cols]), None, fx=zoom, fy=zoom,
                                      interpolation=cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC)
                           for image in images], axis=1)


def look_whole(real_dir: Path, start: int, stop: int, bundles: list[Path], out: Path, widen: bool = True) -> list[Path]:
    """Sheets of the photos as the user gets them back (``Unmasker.unmask`` with each bundle): per
    photo, its largest face and what lies below and beside it (a scarf past the chin, a collar),
    masked and then each result, at ``WHOLE_HEIGHT`` px. What frame tiles cannot show: the photo
    around the frame, the paste-back's edges. ``widen=False``: the frame alone, for comparison."""
    unmaskers = [Unmasker(weights_dir=bundle, widen=widen) for bundle in bundles]
    tiles, names = [], []
    for source in tqdm(list_images(real_dir)[start:stop], desc="unmasking whole photos", unit="photo"):
        try:
            photo = io.read(source).pixels
            results = [unmasker.unmask(photo) for unmasker in unmaskers]
        except (NoFaceFound, io.UnreadableImage):  # as a user's photo would be: skipped
            continue
        largest = max(results[0].faces, key=lambda face: face.box[2] * face.box[3])
        tiles.append(around_face(largest.box, [photo] + [result.image for result in results]))
        names.append(source.name)
    if not names:
        print(f"no face found in files {start}:{stop} of {real_dir}")
        return []
    out.mkdir(parents=True, exist_ok=True)
    with (out / "index.csv").open("w", newline="") as f:
        csv.writer(f).writerows([("face", "file")] + list(enumerate(names)))
    paths = tile_sheets(tiles, out, per_row=WHOLE_PER_ROW)
    print(f"{len(names)} photos in files {start}:{stop} of {real_dir}; columns: masked, "
          + ", ".join(str(b) for b in bundles) + f"{'' if widen else ' (frame only)'}; {len(paths)} sheets in {out}")
    return paths
