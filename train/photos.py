"""Where the pasted face meets the photo at the edge of the frame, on real masked photos.

    python -m train seams --data ../shared/data --files 600:800

The models draw inside the 128x128 frame only. When the region they redraw reaches the frame's
edge and the photo goes on past it (a scarf down the neck, a face filling the photo), the result
can end on a straight line across the photo. ``train look`` cannot show that: its tiles stop
inside the frame. This runs the app's own ``Unmasker`` on whole photos and, for every face whose
region meets the frame's edge inside the photo, measures the sharpest step near that edge: the
mean absolute difference (0-255, RGB) between two lines 3 frame px apart, parallel to the edge,
at the offset (0 to ``frame.EDGE_FADE`` + 2 px in from the edge) where it is largest; and the same
in the photo itself. A fade that only moved the line inwards would still show as a step. It
writes a sheet of those photos, input beside result.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train.prepare import list_images
from unmask import frame, io
from unmask.pipeline import FaceResult, NoFaceFound, Unmasker

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
        cells = np.clip(np.floor(np.stack(np.broadcast_arrays(*inner(_ALONG, 0)), 1)).astype(int), 0, frame.SIZE - 1)
        past_edge = frame.transform_points(inverse, np.stack(np.broadcast_arrays(*outer(_ALONG, 0)), 1))
        along[name] = redrawn[cells[:, 1], cells[:, 0]] & in_photo(past_edge)
    if sum(int(keep.sum()) for keep in along.values()) < 4:
        return None
    steps = []
    for offset in _OFFSETS:
        pairs = [(frame.transform_points(inverse, np.stack(np.broadcast_arrays(*inner(_ALONG[along[name]], offset)), 1)),
                  frame.transform_points(inverse, np.stack(np.broadcast_arrays(*outer(_ALONG[along[name]], offset)), 1)))
                 for name, (inner, outer) in _EDGES.items()]
        inside, outside = (np.concatenate([pair[i] for pair in pairs]) for i in (0, 1))
        steps.append([float(np.abs(_at(image, inside) - _at(image, outside)).mean()) for image in (result, original)])
    steps = np.array(steps)
    return float(steps[:, 0].max()), float(steps[:, 1].max())


def redrawn_part(face: FaceResult) -> np.ndarray:
    """The frame pixels the model replaced: the found region, or the lower face for whole-face models."""
    return face.region if face.region is not None else frame.lower_face_alpha() > 0.5


def seams(real_dir: Path, start: int, stop: int, model: str, out: Path) -> dict[str, float]:
    unmasker = Unmasker(model, sketch_model=None)
    steps, tiles = [], []
    for source in tqdm(list_images(real_dir)[start:stop], desc="unmasking", unit="photo"):
        try:
            prepared = unmasker.pre_process(io.read(source).pixels)
        except (NoFaceFound, io.UnreadableImage):  # as a user's photo would be: skipped
            continue
        result = unmasker.post_process(prepared, unmasker.process(prepared.crops))
        for crop, face in zip(prepared.crops, result.faces):
            measured = edge_step(result.original, result.image, crop.matrix, redrawn_part(face))
            if measured is None:
                continue
            steps.append(measured)
            tile = np.concatenate([cv2.resize(image, (TILE, TILE), interpolation=cv2.INTER_AREA)
                                   for image in (result.original, result.image)], axis=1)
            cv2.putText(tile, f"{source.name} {measured[0]:.0f}/{measured[1]:.0f}", (3, 14),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1)
            tiles.append(tile)
    if not steps:
        print(f"no face in files {start}:{stop} of {real_dir} has its region meet the frame's edge inside the photo")
        return {"faces": 0}
    result_steps, own_steps = np.array(steps).T
    seams_count = int((result_steps > OWN_STEP_FACTOR * own_steps + OWN_STEP_MARGIN).sum())
    summary = {"faces": len(steps), "step": float(result_steps.mean()), "own_step": float(own_steps.mean()),
               "seams": seams_count}
    out.mkdir(parents=True, exist_ok=True)
    tiles += [np.zeros_like(tiles[0])] * (len(tiles) % 2)
    rows = [np.concatenate(tiles[k : k + 2], axis=1) for k in range(0, len(tiles), 2)]
    sheet = out / f"seams_{start}-{stop}.png"
    cv2.imwrite(str(sheet), cv2.cvtColor(np.concatenate(rows), cv2.COLOR_RGB2BGR))
    print(f"files {start}:{stop} of {real_dir}, model {model}: {len(steps)} faces whose region meets the frame's edge "
          f"inside the photo\n| | mean step across the edge (0-255) |\n|---|---|\n| the photo itself | {own_steps.mean():.1f} |\n"
          f"| the result | {result_steps.mean():.1f} |\nseams (a step over {OWN_STEP_FACTOR:g}x the photo's own + "
          f"{OWN_STEP_MARGIN:g}): {seams_count} of {len(steps)}; sheet (input | result, step result/own): {sheet}")
    return summary
