"""Image-quality metrics over the whole frame or inside the mask region, on uint8 images.

PSNR and L1 are averaged over the chosen pixels; SSIM is the mean of the usual SSIM map (11x11
Gaussian window, sigma 1.5, per channel) over the chosen pixels. The seed's own numbers, binary
cross-entropy and Keras' binary "accuracy", are here too so old and new can sit side by side.
"""
from __future__ import annotations

import cv2
import numpy as np

from unmask.compare import IdentityEmbedder, psnr, select_pixels, ssim, ssim_map  # noqa: F401  (shared with the app)


def l1(output: np.ndarray, target: np.ndarray, region: np.ndarray | None = None) -> float:
    return float(select_pixels(np.abs(output.astype(np.float64) - target.astype(np.float64)), region).mean() / 255.0)


def bce(output: np.ndarray, target: np.ndarray) -> float:
    p = np.clip(output.astype(np.float64) / 255.0, 1e-7, 1 - 1e-7)
    t = target.astype(np.float64) / 255.0
    return float(-(t * np.log(p) + (1 - t) * np.log(1 - p)).mean())


def pixel_accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """Keras' binary accuracy, the seed's "accuracy": pixels on the same side of 0.5."""
    return float(((output >= 128) == (target >= 128)).mean())


def all_metrics(output: np.ndarray, target: np.ndarray, region: np.ndarray, photo: np.ndarray | None = None) -> dict[str, float]:
    """``photo``: the frame's pixels that come from the photo. Tight crops fill the rest of the frame
    with replicated border streaks, which the app never pastes back: face and region metrics skip
    them. The seed's bce and accuracy stay over the whole frame, as the seed computed them."""
    region = region if photo is None else region & photo
    return {
        "psnr_face": psnr(output, target, photo), "ssim_face": ssim(output, target, photo), "l1_face": l1(output, target, photo),
        "psnr_region": psnr(output, target, region), "ssim_region": ssim(output, target, region),
        "l1_region": l1(output, target, region), "bce": bce(output, target), "accuracy": pixel_accuracy(output, target),
    }


def detail_ratio(output: np.ndarray, target: np.ndarray, region: np.ndarray) -> float:
    """Variance of the grey Laplacian inside the region, output over ground truth.

    About 1 means real texture (lips, teeth, stubble); near 0 means a smooth blob."""
    def laplacian_variance(image):
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        return float(cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F)[region].var())

    return laplacian_variance(output) / max(laplacian_variance(target), 1e-6)


GHOST_TEXTURE_SIGMA = 1.5  # px: mask_ghost compares texture, each grey image less its Gaussian blur this wide


def mask_ghost(output: np.ndarray, masked: np.ndarray, region: np.ndarray) -> float:
    """Correlation, inside the region, between the texture of the output and of the masked input:
    how much of the mask (its print, pleats, edges) shows through. Texture is the grey image less
    its blur, so the light falling alike on a mask and on the face under it does not count. Near 0
    for a face drawn afresh (the true faces score -0.02), 1 for the mask itself. It needs no
    ground truth, so it also scores real photos."""
    def texture(image):
        grey = (cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image).astype(np.float32)
        return (grey - cv2.GaussianBlur(grey, (0, 0), GHOST_TEXTURE_SIGMA))[region].astype(np.float64)

    drawn, mask = texture(output), texture(masked)
    if drawn.size < 2 or drawn.std() == 0 or mask.std() == 0:
        return 0.0  # nothing drawn or nothing to copy
    return float(np.corrcoef(drawn, mask)[0, 1])


LINE_VISIBLE = 4.0  # grey levels darker than the photo's own strongest line there: a line the model drew


def vertical_line_strength(image: np.ndarray, region: np.ndarray, landmarks: np.ndarray) -> float:
    """How dark the strongest thin vertical line under the mouth is, in grey levels.

    Per column between the mouth corners (+-3 px), the mean of minus the horizontal second
    difference over the region's rows from 6 px under the corners down: a 1-2 px dark line keeps
    its darkness in that mean, skin texture averages out. 0 where no column has 10 such rows."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    darkness = -cv2.filter2D(grey, -1, np.array([[-1, 2, -1]], np.float32))
    (left, left_y), (right, right_y) = landmarks[3], landmarks[4]
    under_mouth = region.copy()
    under_mouth[: int(max(left_y, right_y)) + 6] = False
    under_mouth = cv2.erode(under_mouth.astype(np.uint8), np.ones((1, 5), np.uint8)).astype(bool)  # not the region's edge
    under_mouth[:, : max(int(left) - 3, 0)] = False
    under_mouth[:, int(right) + 4 :] = False
    rows = under_mouth.sum(axis=0)
    means = (darkness * under_mouth).sum(axis=0)[rows >= 10] / rows[rows >= 10]
    return float(means.max()) if len(means) else 0.0


def chin_line(output: np.ndarray, target: np.ndarray, region: np.ndarray, landmarks: np.ndarray) -> float:
    """1 where the output has a vertical line under the mouth that the photo lacks (darker by more
    than ``LINE_VISIBLE``), else 0: averaged, the share of faces with such a line."""
    excess = vertical_line_strength(output, region, landmarks) - vertical_line_strength(target, region, landmarks)
    return float(excess > LINE_VISIBLE)
