"""Synthetic face masks drawn from the five landmarks: one function per kind, one ``MASKS`` table.

The seed report's four kinds (black, surgical, cloth, KN95), N95 cups with head straps, and
scarves (bandanas, neck gaiters) that run past the chin. KN95, N95 and cloth masks sometimes
carry an exhalation valve; cloth and scarves come plain, striped, checked, dotted, printed with
blobs (flowers, camouflage) or as a flag. Each kind returns
``(masked, region)``: the image with the mask drawn on, and the boolean region it covers
(straps included). Shapes, colours, patterns and shading are randomised by ``rng``, so training
sees many masks of each kind. Used by ``train/`` for training pairs and by the examples.

Geometry works in "face units": ``a`` across the face in eye distances from the eyes' midpoint,
``b`` down the face in eyes-to-mouth distances (the mouth is at ``b = 1``, the chin near 1.7).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

_SUBPIXEL_BITS = 4


@dataclass
class FaceAxes:
    """The face's own coordinate system, from its landmarks (image pixels)."""

    center: np.ndarray  # midpoint of the eyes
    across: np.ndarray  # one eye distance, pointing to the right eye
    down: np.ndarray  # one eyes-to-mouth distance, perpendicular to ``across``
    turn: float = 0.0  # the nose tip's offset across the face (eye distances): how far the head is turned

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> "FaceAxes":
        landmarks = np.asarray(landmarks, np.float64)
        center = (landmarks[0] + landmarks[1]) / 2
        across = landmarks[1] - landmarks[0]
        unit_down = np.array([-across[1], across[0]]) / np.linalg.norm(across)
        mouth = (landmarks[3] + landmarks[4]) / 2
        eyes_to_mouth = max(float((mouth - center) @ unit_down), 0.6 * np.linalg.norm(across))
        turn = float((landmarks[2] - center) @ across) / float(across @ across)
        return cls(center, across, unit_down * eyes_to_mouth, float(np.clip(turn, -0.6, 0.6)))

    def to_image(self, ab: np.ndarray) -> np.ndarray:
        ab = np.asarray(ab, np.float64)
        return self.center + ab[..., :1] * self.across + ab[..., 1:] * self.down

    def to_face(self, xy: np.ndarray) -> np.ndarray:
        basis = np.stack([self.across, self.down], axis=1)
        return (np.asarray(xy, np.float64) - self.center) @ np.linalg.inv(basis).T


def _smooth(points: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Chaikin corner cutting: a closed polygon with rounded corners."""
    for _ in range(rounds):
        nxt = np.roll(points, -1, axis=0)
        points = np.concatenate([0.75 * points + 0.25 * nxt, 0.25 * points + 0.75 * nxt], axis=1).reshape(-1, 2)
    return points


def _mirror(right_half: list[tuple[float, float]]) -> np.ndarray:
    """Outline from its right half, listed top to bottom (a >= 0)."""
    right = np.array(right_half, np.float64)
    left = right[::-1] * [-1, 1]
    return np.concatenate([left[left[:, 0] < 0], right])


def _jitter(outline: np.ndarray, rng: np.random.Generator, amount: float = 0.03) -> np.ndarray:
    """Randomise size and every point a little, and how the mask is worn.

    One in three is worn large, down under the chin and wide over the cheeks, as many real masks
    are: on tight photo crops those run off the photo's lower edge. Half sit higher, over the
    bridge of the nose, and half have a straighter top edge that runs up under the eyes at the
    cheeks: real masks do both, and a segmenter trained only on low, curved tops leaves their
    upper corners on the face."""
    scale = rng.uniform([1.05, 1.05], [1.45, 1.3]) if rng.random() < 1 / 3 else rng.uniform(0.97, 1.1, size=2)
    shift = np.array([0.0, rng.uniform(-0.08, 0.02)])
    outline = outline * scale + shift + rng.normal(0, amount, outline.shape)
    lift = rng.uniform(0.0, 0.2) if rng.random() < 0.5 else 0.0
    straighten = rng.uniform(0.3, 0.9) if rng.random() < 0.5 else 0.0
    b = outline[:, 1]
    upper = np.clip((0.95 - b) / 0.5, 0, 1)  # 1 along the top edge, 0 from the mouth down
    b = b - upper * (lift + straighten * (b - b.min()))
    return np.stack([outline[:, 0], b], axis=1)


def _turned(ab: np.ndarray, turn: float) -> np.ndarray:
    """Wrap face-unit points round a turned head: the mask follows the nose, its near side
    widens and its far side narrows (seen from the side, it covers the near cheek up to the ear)."""
    ab = np.asarray(ab, np.float64)
    a, b = ab[..., 0], ab[..., 1]
    near = a * turn < 0
    stretch = np.where(near, 1 + 2 * abs(turn), 1 - 1.2 * abs(turn))
    follow = turn * np.clip((b - 0.2) / 0.3, 0, 1)  # below the eyes the mask centres on the nose
    return np.stack([follow + a * stretch, b], axis=-1)


def _fill(shape: tuple[int, int], polygons: list[np.ndarray], thickness_lines: list[tuple[np.ndarray, int]] = ()) -> np.ndarray:
    """Anti-aliased float alpha in [0, 1] of the filled polygons and thick polylines (image xy)."""
    canvas = np.zeros(shape, np.uint8)
    scale = 1 << _SUBPIXEL_BITS
    for poly in polygons:
        cv2.fillPoly(canvas, [np.round(poly * scale).astype(np.int32)], 255, cv2.LINE_AA, _SUBPIXEL_BITS)
    for line, width in thickness_lines:
        cv2.polylines(canvas, [np.round(line * scale).astype(np.int32)], False, 255, max(1, width), cv2.LINE_AA, _SUBPIXEL_BITS)
    return canvas.astype(np.float32) / 255


def _ear_loops(rng: np.random.Generator) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    return [((side * 0.95, rng.uniform(0.45, 0.6)), (side * 1.55, rng.uniform(0.15, 0.35))) for side in (-1, 1)]


def _head_straps(rng: np.random.Generator) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """N95 straps: one over the ears towards the crown, one under them towards the neck."""
    upper = [((side * 0.95, 0.55), (side * 1.6, rng.uniform(-0.45, -0.2))) for side in (-1, 1)]
    lower = [((side * 0.9, 1.25), (side * 1.6, rng.uniform(1.05, 1.3))) for side in (-1, 1)]
    return upper + lower


def _with_valve(fabric: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """An exhalation valve: a plastic disk with a darker rim, on one side of the mouth."""
    centre = np.array([rng.choice([-1, 1]) * rng.uniform(0.35, 0.5), rng.uniform(0.95, 1.15)])
    radius = rng.uniform(0.15, 0.22)
    plastic = np.array([rng.choice([235.0, 60.0, 150.0])] * 3) + rng.uniform(-10, 10, 3)

    def valved(ab: np.ndarray) -> np.ndarray:
        colour = fabric(ab)
        distance = np.linalg.norm((ab - centre) * [1.0, 1.4], axis=-1) / radius
        disk = np.clip((1 - distance) * 8, 0, 1)[..., None]
        rim = np.exp(-((distance - 0.9) / 0.08) ** 2)[..., None]
        return colour * (1 - disk) + (plastic * (1 - 0.35 * rim)) * disk

    return valved


def _composite(image: np.ndarray, axes: FaceAxes, outline_ab: np.ndarray, fabric: Callable[[np.ndarray], np.ndarray],
               rng: np.random.Generator, strap_colour: np.ndarray,
               straps_ab: list[tuple[tuple[float, float], tuple[float, float]]] | None = None,
               trim_colour: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw a mask of this outline (face units) and fabric (face coords -> RGB float) on ``image``,
    wrapped round the head as it is turned; ``trim_colour`` binds the mask's edge with a band."""
    h, w = image.shape[:2]
    outline = axes.to_image(_turned(outline_ab, axes.turn))
    eye_distance = float(np.linalg.norm(axes.across))
    width = int(round(max(1.0, 0.06 * eye_distance)))
    straps_ab = _ear_loops(rng) if straps_ab is None else straps_ab
    straps = [(axes.to_image(_turned(np.array([start, end]), axes.turn)), width) for start, end in straps_ab]
    body = _fill((h, w), [outline])
    strap_alpha = np.clip(_fill((h, w), [], straps) - body, 0, 1)
    alpha = np.clip(body + strap_alpha, 0, 1)
    trim_alpha = np.zeros_like(body)
    if trim_colour is not None:
        band = max(2, int(round(rng.uniform(0.08, 0.16) * eye_distance)))  # drawn centred on the edge: half inside
        trim_alpha = np.minimum(_fill((h, w), [], [(np.concatenate([outline, outline[:1]]), band)]), body)

    ys, xs = np.nonzero(alpha)
    out = image.astype(np.float32)
    if len(ys):
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        gy, gx = np.mgrid[y0:y1, x0:x1]
        ab = axes.to_face(np.stack([gx, gy], -1).astype(np.float64))
        colour = fabric(ab)
        if trim_colour is not None:
            colour = colour * (1 - trim_alpha[y0:y1, x0:x1, None]) + trim_colour * trim_alpha[y0:y1, x0:x1, None]
        # Lit like a curved surface: darker towards the cheeks, a soft light from one side...
        light = rng.uniform(-0.25, 0.25)
        shade = (1 - 0.22 * np.clip(ab[..., 0] / 1.05, -1, 1) ** 2) * (1 + light * ab[..., 0]) * rng.uniform(0.85, 1.1)
        # ...and lit like the face under it: its own smooth light and shadow carry over to the mask.
        grey = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(np.float32) + 1
        face_light = cv2.GaussianBlur(grey, (0, 0), max(1.0, 0.35 * eye_distance))
        inside = body[y0:y1, x0:x1] > 0.5
        face_light /= face_light[inside].mean() if inside.any() else face_light.mean()
        shade = shade * np.clip(face_light, 0.55, 1.35) ** 0.8
        colour = colour * shade[..., None]
        colour = colour * (1 - strap_alpha[y0:y1, x0:x1, None]) + strap_colour * shade[..., None] * strap_alpha[y0:y1, x0:x1, None]
        colour += rng.normal(0, 3, colour.shape)
        a = alpha[y0:y1, x0:x1, None]
        out[y0:y1, x0:x1] = out[y0:y1, x0:x1] * (1 - a) + colour * a
    masked = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return masked, alpha >= 0.5


def _band(values: np.ndarray, centres: list[float], width: float) -> np.ndarray:
    return sum(np.exp(-((values - c) / width) ** 2) for c in centres)


def black(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    axes = FaceAxes.from_landmarks(landmarks)
    outline = _smooth(_jitter(_mirror([(0, 0.36), (0.6, 0.42), (1.02, 0.55), (1.06, 1.0), (0.85, 1.45), (0.45, 1.75), (0, 1.83)]), rng))
    base = np.array([rng.uniform(15, 55)] * 3) + rng.uniform(-6, 6, 3)

    def fabric(ab: np.ndarray) -> np.ndarray:
        return np.broadcast_to(base, ab.shape[:-1] + (3,)).copy()

    return _composite(image, axes, outline, fabric, rng, base * 0.8)


def surgical(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    axes = FaceAxes.from_landmarks(landmarks)
    outline = _smooth(_jitter(_mirror([(0, 0.36), (0.7, 0.42), (1.05, 0.5), (1.08, 1.25), (0.75, 1.68), (0, 1.8)]), rng), 1)
    palette = [(150, 195, 225), (165, 215, 200), (236, 236, 236), (120, 170, 215), (225, 190, 200)]
    base = np.array(palette[rng.integers(len(palette))], np.float64) + rng.uniform(-12, 12, 3)
    pleats = sorted(rng.uniform(0.65, 1.5, size=3))

    def fabric(ab: np.ndarray) -> np.ndarray:
        # Pleats run across the face and bend down a little towards the cheeks.
        b = ab[..., 1] - 0.08 * ab[..., 0] ** 2
        darkness = 1 - 0.18 * _band(b, pleats, 0.035) + 0.06 * _band(b, [p - 0.06 for p in pleats], 0.03)
        return base * darkness[..., None]

    # Many have a bound top and bottom edge, a little lighter than the fabric.
    trim = np.minimum(base * rng.uniform(1.03, 1.12), 250) if rng.random() < 0.5 else None
    return _composite(image, axes, outline, fabric, rng, np.array([235.0, 235, 235]), trim_colour=trim)


def _printed_fabric(rng: np.random.Generator) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
    """Woven cloth (plain, striped, checked, dotted, printed with blobs or a flag) and its base colour."""
    colour_a = rng.uniform(20, 235, 3)
    colour_b = rng.uniform(20, 235, 3)
    colour_c = rng.uniform(20, 235, 3)
    pattern = rng.choice(["stripes", "checks", "dots", "plain", "flag", "print"])
    period = rng.uniform(0.12, 0.35)
    angle = rng.uniform(0, np.pi)
    blobs = rng.uniform([-1.5, 0.2], [1.5, 2.8], size=(50, 2))
    blob_sizes = rng.uniform(0.05, 0.2, size=50)
    flag_side = rng.choice([-1.0, 1.0])

    def fabric(ab: np.ndarray) -> np.ndarray:
        a, b = ab[..., 0], ab[..., 1]
        along = (a * np.cos(angle) + b * np.sin(angle)) / period
        across = (-a * np.sin(angle) + b * np.cos(angle)) / period
        second = np.zeros_like(a)
        if pattern == "stripes":
            mix = (np.sin(2 * np.pi * along) > 0).astype(np.float64)
        elif pattern == "checks":
            mix = ((np.floor(along) + np.floor(across)) % 2).astype(np.float64)
        elif pattern == "dots":
            mix = (((along % 1) - 0.5) ** 2 + ((across % 1) - 0.5) ** 2 < 0.06).astype(np.float64)
        elif pattern == "flag":  # stripes across the mask, a field of stars in one upper corner
            mix = (np.sin(2 * np.pi * b / (period * 0.8)) > 0).astype(np.float64)
            canton = (a * flag_side > 0.05) & (b < 0.95)
            stars = ((a * 9) % 1 - 0.5) ** 2 + ((b * 9) % 1 - 0.5) ** 2 < 0.05
            mix = np.where(canton, 0.0, mix)
            second = (canton & ~stars).astype(np.float64)
        elif pattern == "print":  # blobs of two colours scattered over the base
            distances = np.linalg.norm(ab[..., None, :] - blobs, axis=-1) / blob_sizes
            nearest = np.argmin(distances, axis=-1)
            inside = (np.take_along_axis(distances, nearest[..., None], -1)[..., 0] < 1).astype(np.float64)
            mix, second = inside * (nearest % 2 == 0), inside * (nearest % 2 == 1)
        else:
            mix = np.zeros_like(a)
        weave = 1 + 0.05 * np.sin(40 * a) * np.sin(40 * b)
        colour = colour_a * (1 - mix - second)[..., None] + colour_b * mix[..., None] + colour_c * second[..., None]
        return colour * weave[..., None]

    return fabric, colour_a


def _trim(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A binding round a cloth mask's edge: dark, white or a colour of its own."""
    choice = rng.integers(3)
    if choice == 0:
        return base * rng.uniform(0.2, 0.5)
    return np.array([rng.uniform(215, 245)] * 3) if choice == 1 else rng.uniform(20, 235, 3)


def cloth(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    axes = FaceAxes.from_landmarks(landmarks)
    outline = _smooth(_jitter(_mirror([(0, 0.34), (0.55, 0.4), (1.0, 0.52), (1.07, 1.05), (0.8, 1.5), (0.4, 1.78), (0, 1.85)]), rng, 0.04))
    fabric, base = _printed_fabric(rng)
    if rng.random() < 0.15:
        fabric = _with_valve(fabric, rng)
    trim = _trim(base, rng) if rng.random() < 0.4 else None
    return _composite(image, axes, outline, fabric, rng, base * 0.85, trim_colour=trim)


def scarf(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A bandana or neck gaiter: cloth from the nose down past the chin, wider than the face, no loops."""
    axes = FaceAxes.from_landmarks(landmarks)
    width, bottom = rng.uniform(1.3, 1.8), rng.uniform(2.4, 3.2)
    point = bottom + (rng.uniform(0.3, 0.8) if rng.random() < 0.5 else 0.0)  # a bandana's knot-side point
    outline = _jitter(_mirror([(0, rng.uniform(0.3, 0.45)), (0.6, 0.42), (width * 0.8, 0.55), (width, 0.8),
                               (width, bottom), (0.5, (bottom + point) / 2), (0, point)]), rng, 0.03)
    printed, base = _printed_fabric(rng)
    folds = sorted(rng.uniform(0.9, 2.6, size=4))

    def fabric(ab: np.ndarray) -> np.ndarray:
        b = ab[..., 1] - 0.15 * ab[..., 0] ** 2  # folds sag towards the sides
        return printed(ab) * (1 - 0.2 * _band(b, folds, 0.08))[..., None]

    return _composite(image, axes, outline, fabric, rng, base, straps_ab=[])


def kn95(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    axes = FaceAxes.from_landmarks(landmarks)
    outline = _jitter(_mirror([(0, 0.28), (0.35, 0.38), (0.8, 0.5), (1.05, 0.75), (1.0, 1.15), (0.7, 1.55), (0, 1.88)]), rng, 0.025)
    base = np.array([rng.uniform(215, 250)] * 3) + rng.uniform(-6, 4, 3)

    def fabric(ab: np.ndarray) -> np.ndarray:
        a = ab[..., 0]
        # The welded seam down the middle, and the fold either side of it.
        seam = 1 - 0.25 * np.exp(-(a / 0.025) ** 2) - 0.08 * np.clip(np.abs(a) * 1.5, 0, 1) * (a < 0)
        return base * seam[..., None]

    if rng.random() < 0.3:
        fabric = _with_valve(fabric, rng)
    return _composite(image, axes, outline, fabric, rng, np.array([240.0, 240, 240]))


def n95(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A moulded cup respirator held by two head straps, often with a valve."""
    axes = FaceAxes.from_landmarks(landmarks)
    outline = _smooth(_jitter(_mirror([(0, 0.27), (0.5, 0.34), (0.95, 0.55), (1.04, 0.95), (0.85, 1.45), (0.45, 1.74), (0, 1.82)]), rng, 0.025))
    palette = [(238, 238, 232), (235, 225, 180), (200, 215, 230), (120, 125, 130)]
    base = np.array(palette[rng.integers(len(palette))], np.float64) + rng.uniform(-8, 8, 3)

    def fabric(ab: np.ndarray) -> np.ndarray:
        a, b = ab[..., 0], ab[..., 1]
        # A moulded cup: brighter at its crown, a stitched rim near the edge.
        dome = 1.05 - 0.12 * ((a / 1.0) ** 2 + ((b - 1.05) / 0.8) ** 2)
        speckle = 1 + 0.03 * np.sin(55 * a + 13 * b) * np.sin(47 * b - 7 * a)
        return base * (dome * speckle)[..., None]

    if rng.random() < 0.5:
        fabric = _with_valve(fabric, rng)
    strap = np.array(palette[rng.integers(len(palette))], np.float64) * 0.9
    return _composite(image, axes, outline, fabric, rng, strap, _head_straps(rng))


MASKS: dict[str, Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "black": black,
    "surgical": surgical,
    "cloth": cloth,
    "kn95": kn95,
    "n95": n95,
    "scarf": scarf,
}
SEED_KINDS = ("black", "surgical", "cloth", "kn95")  # the four the seed report trained on


def draw_mask(image: np.ndarray, landmarks: np.ndarray, kind: str | None = None,
              rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw a mask of ``kind`` (random when None) on the face with these landmarks."""
    rng = rng or np.random.default_rng()
    if kind is None:
        kind = list(MASKS)[rng.integers(len(MASKS))]
    if kind not in MASKS:
        raise ValueError(f"unknown mask kind {kind!r}; choose one of {', '.join(MASKS)}")
    return MASKS[kind](image, landmarks, rng)
