"""The seed report's pencil-sketch recipe, the target of the ``rgb2sketch`` model.

Sharpen, grey, invert, blur 15x15, then colour-dodge divide the grey image by the inverted blur.
The seed scaled by 1/250 in places; here every value is simply uint8 0-255 (or /255 as float).
"""
from __future__ import annotations

import cv2
import numpy as np

SHARPEN = np.array([[0, -1, 0], [-1, 5.2, -1], [0, -1, 0]], dtype=np.float32)


def pencil_sketch(rgb: np.ndarray, blur: int = 15) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> grey uint8 (H, W). ``blur`` is the seed's 15 at 128x128 face size."""
    sharpened = cv2.filter2D(rgb, -1, SHARPEN)
    gray = cv2.cvtColor(sharpened, cv2.COLOR_RGB2GRAY)
    inverted = 255 - gray
    blur = max(3, int(blur) | 1)
    blurred = cv2.GaussianBlur(inverted, (blur, blur), 0)
    return cv2.divide(gray, 255 - blurred, scale=256)
