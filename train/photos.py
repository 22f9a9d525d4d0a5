"""Checks of the app on whole real masked photos, where no ground truth exists.

    python -m train photos --data ../shared/data --files 600:800

Runs the app's own ``Unmasker`` on each photo, as on an upload (detection, alignment, the models,
paste-back), and measures two things that need no ground truth:

- **mask ghost**: inside the region each face's result redraws, the correlation between the
  result and the masked photo (``train.metrics.mask_ghost``), for the colour result and for the
  sketch (against the masked photo's own pencil sketch): how much of the mask shows through.
- **seams at the frame's edge**: the models draw inside the 128x128 frame only. When the region
  reaches the frame's edge and the photo goes on past it (a scarf down the neck, a face filling
  the photo), the result could end on a straight line across the photo, which ``train look``'s
  tiles (inside the frame) cannot show. For those faces this measures the sharpest step near
  the edge: the mean absolute difference (0-255, RGB) between two lines 3 frame px apart,
  parallel to the edge, at the offset (0 to ``frame.EDGE_FADE`` + 2 px in from the edge) where it
  is largest; and the same in the photo itself. A fade that only moved the line inwards would
  still show as a step.

It writes a sheet of the photos whose region meets the frame's edge, input beside result.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train.prepare import list_images
from train.metrics import mask_ghost
from unmask import frame, io
from unmask.pipeline import FaceResult, NoFaceFound, Unmasker, sketch_blur
from unmask.sketch import pencil_sketch

# Pairs of sample lines in the frame, (x, y) per point at t along the edge, ``o`` px further in:
# the inner line, and the outer one 3 px nearer the edge (at o = 0, just past it). The top edge is
# left out: nothing above the eyes is redrawn.
_ALONG = np.arange(0.5, frame.SIZE - 0.5, 1.0)
_EDGES = {
    "bottom": (lambda t, o: (t, frame.SIZE - 2.0 - o), lambda t, o: (t, frame.SIZE + 1.0 - o)),
    "left": (lambda t, o: (1.0 + o, t), lambda t, o: (-2.0 + o, t)),
    "right": (lambda t, o: (frame.SIZE - 2.0 - o, t), lambda t, o: (frame.SIZE + 1.0 - o, t)),
}
_OFFSETS = range(0, frame.EDGE_FADE + 3)
OWN_STEP_FACTOR, OWN_STEP_MARGIN = 2.0, 5.0  # a step over twice the photo's own plus 5 counts as a seam
TILE = 224


def _at(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` at (x, y) ``points``: (N, channels) float32."""
    x, y = (points[:, i].reshape(1, -1).astype(np.float32) for i in (0, 1))
    return cv2.remap(image.astype(np.float32), x, y, cv2.INTER_LINEAR).reshape(len(points), -1)


def _line(side, along: np.ndarray, offset: float) -> np.ndarray:
    """(N, 2) frame points of one of an ``_EDGES`` pair's lines, ``offset`` px in from the edge."""
    return np.stack(np.broadcast_arrays(*side(along, offset)), 1)


def edge_step(original: np.ndarray, result: np.ndarray, matrix: np.ndarray, redrawn: np.ndarray) -> tuple[float, float] | None:
    """(sharpest step in the result, sharpest step in the photo itself) near the frame's edges where
    ``redrawn`` (frame, bool) reaches them inside the photo; None where it reaches none."""
    height, width = original.shape[:2]
    inverse = frame.invert(matrix)

    def in_photo(points: np.ndarray) -> np.ndarray:
        return (points[:, 0] >= 0) & (points[:, 0] <= width - 1) & (points[:, 1] >= 0) & (points[:, 1] <= height - 1)

    # Which points along each edge count is settled at the edge itself, so every offset compares alike.
    along = {}
    for name, (inner, outer) in _EDGES.items():
        cells = np.clip(np.floor(_line(inner, _ALONG, 0)).astype(int), 0, frame.SIZE - 1)
        past_edge = frame.transform_points(inverse, _line(outer, _ALONG, 0))
        along[name] = redrawn[cells[:, 1], cells[:, 0]] & in_photo(past_edge)
    if sum(int(keep.sum()) for keep in along.values()) < 4:
        return None
    steps = []
    for offset in _OFFSETS:
        inside, outside = (frame.transform_points(inverse, np.concatenate(
            [_line(pair[i], _ALONG[along[name]], offset) for name, pair in _EDGES.items()])) for i in (0, 1))
        steps.append([float(np.abs(_at(image, inside) - _at(image, outside)).mean()) for image in (result, original)])
    steps = np.array(steps)
    return float(steps[:, 0].max()), float(steps[:, 1].max())


def redrawn_part(face: FaceResult) -> np.ndarray:
    """The frame pixels the model replaced: the found region, or the lower face for whole-face models."""
    return face.region if face.region is not None else frame.lower_face_alpha() > 0.5


def check_photos(real_dir: Path, start: int, stop: int, model: str, sketch_model: str, out: Path) -> dict[str, float]:
    """Run the app on photos ``start:stop`` of ``real_dir``, print the measures, return them."""
    unmasker = Unmasker(model, sketch_model)
    ghosts, sketch_ghosts, steps, tiles = [], [], [], []
    for source in tqdm(list_images(real_dir)[start:stop], desc="unmasking", unit="photo"):
        try:
            prepared = unmasker.pre_process(io.read(source).pixels)
        except (NoFaceFound, io.UnreadableImage):  # as a user's photo would be: skipped
            continue
        result = unmasker.post_process(prepared, unmasker.process(prepared))
        # The masked photo's own sketch, drawn as post_process draws the result's.
        masked_sketch = pencil_sketch(result.original, blur=sketch_blur(prepared.crops))
        for crop, face in zip(prepared.crops, result.faces):
            redrawn = redrawn_part(face)
            inside = redrawn & crop.photo
            ghosts.append(mask_ghost(frame.warp(result.image, crop.matrix), crop.pixels, inside))
            sketch_ghosts.append(mask_ghost(frame.warp(result.sketch, crop.matrix), frame.warp(masked_sketch, crop.matrix), inside))
            measured = edge_step(result.original, result.image, crop.matrix, redrawn)
            if measured is None:
                continue
            steps.append(measured)
            tile = np.concatenate([cv2.resize(image, (TILE, TILE), interpolation=cv2.INTER_AREA)
                                   for image in (result.original, result.image)], axis=1)
            cv2.putText(tile, f"{source.name} {measured[0]:.0f}/{measured[1]:.0f}", (3, 14),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
            tiles.append(tile)
    if not ghosts:
        print(f"no face found in files {start}:{stop} of {real_dir}")
        return {"faces": 0}
    summary = {"faces": len(ghosts), "mask_ghost": float(np.mean(ghosts)), "sketch_mask_ghost": float(np.mean(sketch_ghosts)),
               "faces_at_edge": len(steps)}
    print(f"files {start}:{stop} of {real_dir}, model {model}, sketch {sketch_model}: {len(ghosts)} faces\n"
          f"mask ghost (0: drawn afresh, 1: the mask itself), mean: colour {summary['mask_ghost']:.3f}, "
          f"sketch {summary['sketch_mask_ghost']:.3f}")
    if steps:
        result_steps, own_steps = np.array(steps).T
        summary.update(step=float(result_steps.mean()), own_step=float(own_steps.mean()),
                       seams=int((result_steps > OWN_STEP_FACTOR * own_steps + OWN_STEP_MARGIN).sum()))
        out.mkdir(parents=True, exist_ok=True)
        tiles += [np.zeros_like(tiles[0])] * (len(tiles) % 2)
        rows = [np.concatenate(tiles[k : k + 2], axis=1) for k in range(0, len(tiles), 2)]
        sheet = out / f"edges_{start}-{stop}.png"
        cv2.imwrite(str(sheet), cv2.cvtColor(np.concatenate(rows), cv2.COLOR_RGB2BGR))
        print(f"{len(steps)} faces whose region meets the frame's edge inside the photo; sharpest step near it (0-255): "
              f"photo's own {summary['own_step']:.1f}, result {summary['step']:.1f}; seams (a step over "
              f"{OWN_STEP_FACTOR:g}x the photo's own + {OWN_STEP_MARGIN:g}): {summary['seams']} of {len(steps)}; "
              f"sheet (input | result, step result/own): {sheet}")
    return summary
