"""Rebuild the example photos: public-domain pictures from scikit-image, masked by our renderer.

    python -m examples.make_examples

The astronaut is NASA's portrait of Eileen Collins (public domain). Nothing here comes from the
research-only data sets.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from unmask import faces, masks

HERE = Path(__file__).parent


def masked(image: np.ndarray, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    for face in faces.detect(image):
        image, _ = masks.draw_mask(image, face.landmarks, kind, rng)
    return image


def main() -> None:
    astronaut = data.astronaut()
    # Seeds picked so that MTCNN finds the masked face in colour and in grey (the tests decode grey
    # versions): it misses the astronaut under roughly one random mask in three, a known limit.
    Image.fromarray(masked(astronaut, "surgical", 3)).save(HERE / "astronaut_surgical.jpg", quality=92)
    Image.fromarray(masked(astronaut, "kn95", 6)).save(HERE / "astronaut_kn95.jpg", quality=92)
    Image.fromarray(masked(astronaut, "n95", 8)).save(HERE / "astronaut_n95.jpg", quality=92)
    Image.fromarray(masked(astronaut, "scarf", 2)).save(HERE / "astronaut_scarf.jpg", quality=92)
    # Two faces in one photo: the mirrored astronaut beside herself, one in a cloth mask, one black.
    pair = np.concatenate([masked(astronaut, "cloth", 3), masked(astronaut[:, ::-1].copy(), "black", 4)], axis=1)
    Image.fromarray(pair).save(HERE / "two_faces.jpg", quality=92)


if __name__ == "__main__":
    main()
