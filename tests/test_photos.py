"""``python -m train photos`` on the repo's scarf example, whose scarf runs on past the frame's bottom edge."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from train.__main__ import main
from train.photos import edge_step
from unmask import frame, io
from unmask.faces import detect


def test_photos_measures_ghosts_and_the_step_where_the_region_meets_the_frame_edge(tmp_path, capsys):
    real_dir = tmp_path / "data" / "real_masked"
    real_dir.mkdir(parents=True)
    shutil.copy(Path("examples") / "astronaut_scarf.jpg", real_dir)
    (real_dir / "broken.jpg").write_bytes(b"not an image")  # skipped, as the app would refuse it
    summaries = {}
    for sketch_model in ("pencil", "rgb2sketch"):
        main(["photos", "--data", str(tmp_path / "data"), "--files", "0:2", "--sketch-model", sketch_model,
              "--out", str(tmp_path / sketch_model)])
        summaries[sketch_model] = capsys.readouterr().out

    printed = summaries["pencil"]
    assert ": 1 faces\n" in printed and "1 faces whose region meets the frame's edge" in printed
    assert "seams (a step over 2x the photo's own + 5): 0 of 1" in printed  # the pasted face fades out
    assert (tmp_path / "pencil" / "edges_0-2.png").exists()

    def ghosts(text: str) -> tuple[float, float]:
        line = next(line for line in text.splitlines() if line.startswith("mask ghost"))
        return tuple(float(part.split()[-1]) for part in line.split(":")[-1].split(","))

    colour, sketch = ghosts(printed)
    seed_colour, seed_sketch = ghosts(summaries["rgb2sketch"])
    assert colour == seed_colour and colour < 0.3  # inpaint draws the face afresh
    # The scarf's stripes show through the seed's sketch model, which sees the masked face, far more
    # than through the pencil recipe drawn from the colour result (0.30 against 0.78 on this photo).
    assert sketch < seed_sketch / 2 and seed_sketch > 0.5


def test_edge_step_compares_the_result_with_the_photo_at_the_same_lines():
    photo = io.read(Path("examples") / "astronaut_scarf.jpg").pixels
    crop = frame.align(photo, detect(photo)[0].landmarks)
    everywhere = np.ones((frame.SIZE, frame.SIZE), bool)
    own_step, same = edge_step(photo, photo, crop.matrix, everywhere)
    assert own_step == same
    white = frame.paste(photo, np.full_like(crop.pixels, 255), crop.matrix, everywhere.astype(np.float32))
    assert edge_step(photo, white, crop.matrix, everywhere)[0] > own_step + 50
    faded = frame.paste(photo, np.full_like(crop.pixels, 255), crop.matrix, frame.edge_fade(crop.photo))
    assert edge_step(photo, faded, crop.matrix, everywhere)[0] < edge_step(photo, white, crop.matrix, everywhere)[0] / 2
    nowhere_near_the_edge = np.zeros_like(everywhere)
    nowhere_near_the_edge[60:100, 40:90] = True
    assert edge_step(photo, white, crop.matrix, nowhere_near_the_edge) is None
