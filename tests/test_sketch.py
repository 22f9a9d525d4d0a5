import cv2
import numpy as np

from unmask.sketch import pencil_sketch


def seed_sketch_from_bgr(bgr: np.ndarray) -> np.ndarray:
    """The seed report's code, verbatim but for reading a file (it worked on 128x128 BGR)."""
    kernel_sharpening = np.array([[0, -1, 0], [-1, 5.2, -1], [0, -1, 0]])
    sharpened = cv2.filter2D(bgr, -1, kernel_sharpening)
    gray = cv2.cvtColor(sharpened, cv2.COLOR_BGR2GRAY)
    inv = 255 - gray
    gauss = cv2.GaussianBlur(inv, ksize=(15, 15), sigmaX=0, sigmaY=0)
    return cv2.divide(gray, 255 - gauss, scale=256)


def test_matches_the_seed_recipe(astronaut):
    face = cv2.resize(astronaut[40:240, 140:340], (128, 128), interpolation=cv2.INTER_AREA)
    ours = pencil_sketch(face)
    seed = seed_sketch_from_bgr(cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    assert ours.shape == (128, 128) and ours.dtype == np.uint8
    # Colour conversion rounding may differ by one grey level at most.
    assert np.abs(ours.astype(int) - seed.astype(int)).max() <= 2


def test_flat_paper_is_white_and_edges_are_dark():
    image = np.full((128, 128, 3), 200, np.uint8)
    image[40:90, 40:90] = 30
    sketch = pencil_sketch(image)
    assert sketch[5, 5] == 255 and sketch[64, 64] == 255
    assert sketch[40:90, 38:42].min() < 120
