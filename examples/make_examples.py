"""Rebuild the example photos: public-domain pictures from scikit-image, masked by our renderer.

    python -m examples.make_examples

The astronaut is NASA's portrait of Eileen Collins (public domain). Nothing here comes from the
research-only data sets.
"""
from __future__ import annotations

import io
from pathlib import Path

import cv2
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


def as_saved(image: np.ndarray) -> np.ndarray:
    """The pixels the JPEG file will decode to."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=92)
    return np.asarray(Image.open(buffer).convert("RGB"))


def found_faces(image: np.ndarray) -> int:
    """Faces MTCNN finds in both the colour and the grey version (the tests decode grey ones too)."""
    grey = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    return min(len(faces.detect(image)), len(faces.detect(grey)))


def findable(make, wanted: int = 1, first_seed: int = 0) -> np.ndarray:
    """The first seed's picture in which MTCNN still finds every masked face: it misses the
    astronaut under masks worn high over the nose, a known limit, and examples must work."""
    for seed in range(first_seed, first_seed + 50):
        image = make(seed)
        if found_faces(as_saved(image)) >= wanted:
            return image
    raise RuntimeError("no seed in 50 gave a mask MTCNN can see past")


def main() -> None:
    astronaut = data.astronaut()
    for kind in ("surgical", "kn95", "n95", "scarf"):
        image = findable(lambda seed, kind=kind: masked(astronaut, kind, seed))
        Image.fromarray(image).save(HERE / f"astronaut_{kind}.jpg", quality=92)
    # Two faces in one photo: the mirrored astronaut beside herself, one in a cloth mask, one black.
    mirrored = astronaut[:, ::-1].copy()
    pair = findable(lambda seed: np.concatenate([masked(astronaut, "cloth", seed), masked(mirrored, "black", seed + 1)], axis=1), 2)
    Image.fromarray(pair).save(HERE / "two_faces.jpg", quality=92)


if __name__ == "__main__":
    main()
