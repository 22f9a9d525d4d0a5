"""Put a mask on an unmasked photo, take it off again, and say how close the guess came.

The honest way to show what the models can do: on a photo whose real lower face is known, draw
one of the renderer's masks (``unmask.masks``), unmask the masked photo as any upload would be,
and compare the result with the real face where the mask was. The same measures score the
models in ``train/``: PSNR and SSIM inside the region, and the identity distance between
face-recognition embeddings (dlib's ResNet, installed with ``dlib-bin`` and
``face-recognition-models``; where it is missing the distance is left out and the words say so).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from unmask import faces, frame, masks

_C1, _C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def select_pixels(values: np.ndarray, region: np.ndarray | None) -> np.ndarray:
    if values.ndim == 3:
        values = values.mean(axis=2)
    return values if region is None else values[region]


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The usual SSIM map: 11x11 Gaussian window, sigma 1.5, per channel."""
    a, b = a.astype(np.float64), b.astype(np.float64)

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + _C1) * (2 * cov + _C2)) / ((mu_a**2 + mu_b**2 + _C1) * (var_a + var_b + _C2))


def psnr(output: np.ndarray, target: np.ndarray, region: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB over the chosen pixels of two uint8 images."""
    mse = select_pixels((output.astype(np.float64) - target.astype(np.float64)) ** 2, region).mean()
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def ssim(output: np.ndarray, target: np.ndarray, region: np.ndarray | None = None) -> float:
    """Mean of the SSIM map over the chosen pixels (1 = identical)."""
    return float(select_pixels(ssim_map(output, target), region).mean())


class IdentityEmbedder:
    """dlib's ResNet face-recognition embedding (128-D; model CC0, shipped by the
    ``face-recognition-models`` package; dlib under the Boost licence), on a face in the canonical
    frame. A distance below 0.6 is dlib's "same person" threshold."""

    # Where the face sits in the 128x128 canonical frame: forehead to chin, cheek to cheek.
    FACE_BOX = (18, 10, 110, 116)

    def __init__(self):
        import dlib
        import face_recognition_models as weights

        self.shape = dlib.shape_predictor(weights.pose_predictor_five_point_model_location())
        self.encoder = dlib.face_recognition_model_v1(weights.face_recognition_model_location())
        self.box = dlib.rectangle(*self.FACE_BOX)

    def embed(self, crop: np.ndarray) -> np.ndarray:
        crop = np.ascontiguousarray(crop if crop.ndim == 3 else np.repeat(crop[..., None], 3, axis=2))
        return np.asarray(self.encoder.compute_face_descriptor(crop, self.shape(crop, self.box)))

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(self.embed(a) - self.embed(b)))


@functools.lru_cache(maxsize=1)
def identity_embedder() -> IdentityEmbedder | None:
    """The embedder, loaded once; None where dlib or its model is not installed."""
    try:
        return IdentityEmbedder()
    except ImportError:
        return None


@dataclass
class Comparison:
    """An unmasked photo, the same with a mask drawn on, the model's guess, and how close it came."""

    kind: str
    original: np.ndarray  # (H, W, 3) the real face
    masked: np.ndarray  # (H, W, 3) with the drawn mask
    guess: np.ndarray  # (H, W, 3) the masked photo unmasked (synthesized)
    region: np.ndarray  # (H, W) bool: where the mask was drawn
    psnr_region: float
    ssim_region: float
    telea_psnr: float  # a plain smoothing fill (OpenCV's Telea) of the same region, for scale
    telea_ssim: float
    identity: float | None  # face-recognition distance, guess to real face (None: not installed)
    masked_identity: float | None  # the masked photo's own distance to the real face: the bar to beat

    def in_words(self) -> str:
        lines = [f"How close the guess came, measured against the real photo where the {self.kind} mask was drawn:",
                 f"- Pixels under the mask: {self.psnr_region:.1f} dB PSNR and {self.ssim_region:.2f} SSIM (higher is closer; "
                 f"1.00 would be identical). A plain smoothing fill of the same region (OpenCV's Telea) gets "
                 f"{self.telea_psnr:.1f} dB and {self.telea_ssim:.2f}."]
        if self.identity is None:
            lines.append("- Face-recognition distance: not measured here (dlib is not installed on this server).")
        else:
            verdict = "counts as the same person" if self.identity < 0.6 else "would not count as the same person"
            lines.append(f"- Does it still look like the same person? The face-recognition distance between the guess and "
                         f"the real face is {self.identity:.2f}, which {verdict} (dlib's line is 0.6; lower is closer). "
                         f"With the mask on it was {self.masked_identity:.2f}.")
        lines.append("The guess is synthesized: it is what a network invents, not the hidden face.")
        return "\n".join(lines)


def put_mask_on(image: np.ndarray, kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, faces.Face] | None:
    """Draw a mask of ``kind`` on the largest face of an unmasked photo: (masked, region, face);
    None when no face is found."""
    found = faces.detect_close_up(image)
    if not found:
        return None
    face = max(found, key=lambda f: f.box[2] * f.box[3])
    masked, region = masks.draw_mask(image, face.landmarks, kind, np.random.default_rng(seed))
    return masked, region, face


def compare(image: np.ndarray, masked: np.ndarray, guess: np.ndarray, region: np.ndarray, face: faces.Face,
            kind: str) -> Comparison:
    """Score a guess against the real photo inside the drawn region (and its face, for identity)."""
    telea = cv2.inpaint(masked, cv2.dilate(region.astype(np.uint8), np.ones((5, 5), np.uint8)), 3, cv2.INPAINT_TELEA)
    ys, xs = np.nonzero(region)
    box = (slice(max(ys.min() - 8, 0), ys.max() + 9), slice(max(xs.min() - 8, 0), xs.max() + 9))
    inside = region[box]
    embedder = identity_embedder()
    identity = masked_identity = None
    if embedder is not None:
        matrix = frame.align(image, face.landmarks).matrix
        real = embedder.embed(frame.warp(image, matrix))
        identity = float(np.linalg.norm(embedder.embed(frame.warp(guess, matrix)) - real))
        masked_identity = float(np.linalg.norm(embedder.embed(frame.warp(masked, matrix)) - real))
    return Comparison(kind, image, masked, guess, region,
                      psnr(guess[box], image[box], inside), ssim(guess[box], image[box], inside),
                      psnr(telea[box], image[box], inside), ssim(telea[box], image[box], inside),
                      identity, masked_identity)
