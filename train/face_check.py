"""``python -m train face-check``: the detector's second opinion (``unmask.face_check``), trained.

What it learns is whether the frame the detector's key points give holds a face:
- **faces**: photos of the training people of both face folders, each with a mask drawn by the
  renderer (a few bare), sometimes cut close, then moved, turned, scaled into a larger picture
  and damaged as real masked photos are (blur, blown-up blocks, camera shake, JPEG, grey, light);
  framed where the detector, at a low confidence, finds the face, and where its key points,
  jittered, would put it;
- **no face**: frames away from the face in the same pictures (hair, neck, background, a piece of
  face at the wrong size), the detector's guesses there, and its guesses and random frames on
  generated textures (shapes, text, gradients, noise).

The test and validation people of ``split_files`` (the inpaint recipe's split) are left out, so
the photo test's people stay unseen. The network is exported as TFLite, which OpenCV runs, with a
JSON beside it: architecture, training data, the threshold and its validation metrics, sha256.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train.prepare import SplitSizes, find_face, list_images, split_files
from unmask import face_check, faces, frame, masks, weights

GUESS_CONFIDENCE = 0.3  # the detector's looks for frames to learn from: below what the app accepts
JITTER = (0.05, 0.1, 0.15)  # key points moved by this share of the eye distance, as an unsure detector places them
# A frame is "no face" when its nose is further than this many eye distances from the face's, or
# its scale is outside this range of the face's.
FAR = 1.2
SCALES = (0.45, 2.2)
# Share of the validation frames without a face that may pass: the threshold is the least score
# that lets no more through.
NEGATIVES_PASSING = 0.01
VALIDATION_SHARE = 0.1


@dataclass
class Frames:
    faces: list[np.ndarray]
    others: list[np.ndarray]


def damaged(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The photo turned, scaled and moved into a larger picture, then damaged as real photos are;
    and the 2x3 matrix that moved it."""
    h, w = image.shape[:2]
    angle = rng.uniform(-30, 30) if rng.random() < 0.5 else 0.0
    scale = float(np.exp(rng.uniform(np.log(0.3), np.log(3)))) if rng.random() < 0.6 else 1.0
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    width, height = (int(max(side * scale, 64) * rng.uniform(1, 2.5)) for side in (w, h))
    matrix[:, 2] += (width / 2 - w / 2, height / 2 - h / 2)
    matrix[:, 2] += rng.uniform(-0.3, 0.3, 2) * (width - w * scale, height - h * scale)
    background = cv2.GaussianBlur(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), (0, 0), rng.uniform(2, 30))
    border = cv2.BORDER_REFLECT if rng.random() < 0.5 else cv2.BORDER_TRANSPARENT
    out = cv2.warpAffine(image, matrix, (width, height), borderMode=border, dst=background)
    damage = rng.random()
    if damage < 0.15:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(1, 4))
    elif damage < 0.35:  # a thumbnail blown up
        factor = rng.uniform(3, 12)
        small = cv2.resize(out, (max(4, int(width / factor)), max(4, int(height / factor))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST if rng.random() < 0.6 else cv2.INTER_CUBIC)
    elif damage < 0.42:  # camera shake
        length = int(rng.integers(5, 25))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1 / length
        turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        out = cv2.filter2D(out, -1, cv2.warpAffine(kernel, turn, (length, length)))
    elif damage < 0.55:
        _, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(8, 40))])
        out = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
    if rng.random() < 0.15:
        out = np.repeat(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)
    if rng.random() < 0.3:
        out = np.clip(out * rng.uniform(0.5, 1.4) + rng.uniform(-40, 40), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out), matrix


def texture(rng: np.random.Generator) -> np.ndarray:
    """A picture with no face: shapes, lines, text and rectangles on a flat, graded or blotchy ground."""
    h, w = int(rng.integers(200, 800)), int(rng.integers(200, 800))
    ground = rng.integers(3)
    if ground == 0:
        coarse = rng.uniform(0, 255, (max(2, h // 40), max(2, w // 40), 3)).astype(np.float32)
        base = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    else:
        base = np.zeros((h, w, 3), np.float32) + rng.uniform(0, 255, 3)
        if ground == 1:
            rows, columns = np.mgrid[0:h, 0:w] / max(h, w)
            base = base * (0.5 + rows[..., None]) + rng.uniform(-80, 80, 3) * columns[..., None]
    picture = np.clip(base, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(1, 25))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        radius = int(rng.integers(3, max(h, w) // 3))
        shape = rng.integers(5)
        if shape == 0:
            cv2.circle(picture, centre, radius, colour, -1 if rng.random() < 0.7 else int(rng.integers(1, 8)), cv2.LINE_AA)
        elif shape == 1:
            axes = (radius, int(radius * rng.uniform(0.3, 1)))
            cv2.ellipse(picture, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
        elif shape == 2:
            end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(picture, centre, end, colour, int(rng.integers(1, 12)), cv2.LINE_AA)
        elif shape == 3:
            text = "".join(chr(int(c)) for c in rng.integers(65, 91, 6))
            cv2.putText(picture, text, centre, int(rng.integers(0, 8)), rng.uniform(0.5, 4), colour, int(rng.integers(1, 6)), cv2.LINE_AA)
        else:
            cv2.rectangle(picture, centre, (centre[0] + radius, centre[1] + int(radius * rng.uniform(0.3, 2))), colour, -1)
    if rng.random() < 0.5:
        picture = cv2.GaussianBlur(picture, (0, 0), rng.uniform(0.5, 6))
    if rng.random() < 0.5:
        picture = np.clip(picture + rng.normal(0, rng.uniform(2, 30), picture.shape), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(picture)


def is_far(keypoints: np.ndarray, face_keypoints: np.ndarray) -> bool:
    """Whether a frame from ``keypoints`` misses the face at ``face_keypoints`` (``FAR``, ``SCALES``)."""
    eyes = np.linalg.norm(face_keypoints[1] - face_keypoints[0])
    scale = np.linalg.norm(keypoints[1] - keypoints[0]) / max(eyes, 1e-6)
    return bool(np.linalg.norm(keypoints[2] - face_keypoints[2]) > FAR * eyes or not SCALES[0] < scale < SCALES[1])


def random_keypoints(keypoints: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """``keypoints`` scaled 0.25-4x, turned up to 45 degrees and moved anywhere in a picture of ``shape``."""
    scale = float(np.exp(rng.uniform(np.log(0.25), np.log(4))))
    angle = np.deg2rad(rng.uniform(-45, 45))
    turn = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (keypoints - keypoints.mean(0)) @ turn.T + rng.uniform(0, 1, 2) * (shape[1], shape[0])


def guesses(image: np.ndarray) -> list[faces.Face]:
    """What the detector finds at ``GUESS_CONFIDENCE``, every look it takes."""
    return faces.every_look(image, None, GUESS_CONFIDENCE)


def frames_of_photo(path: Path, rng: np.random.Generator, kinds: list[str], found: Frames) -> None:
    image, face, _ = find_face(path)
    if face is None:
        return
    keypoints = face.keypoints
    if rng.random() >= 0.15:
        image = masks.draw_mask(image, face.landmarks, kinds[rng.integers(len(kinds))], rng)[0]
    if rng.random() < 0.3:  # cut close: past the forehead and the chin, as many real masked photos are
        x, y, w, h = face.box
        left, top = int(max(0, x + w * rng.uniform(0, 0.25))), int(max(0, y + h * rng.uniform(0.1, 0.35)))
        right = int(min(image.shape[1], x + w * rng.uniform(0.75, 1)))
        bottom = int(min(image.shape[0], y + h * rng.uniform(0.8, 1.05)))
        image, keypoints = np.ascontiguousarray(image[top:bottom, left:right]), keypoints - (left, top)
    picture, matrix = damaged(image, rng)
    keypoints = frame.transform_points(matrix, keypoints)
    for guess in guesses(picture):
        (found.others if is_far(guess.keypoints, keypoints) else found.faces).append(face_check.face_frame(picture, guess.keypoints))
    eyes = np.linalg.norm(keypoints[1] - keypoints[0])
    jittered = keypoints + rng.normal(0, rng.choice(JITTER) * eyes, keypoints.shape)
    found.faces.append(face_check.face_frame(picture, jittered))
    for _ in range(3):
        elsewhere = random_keypoints(keypoints, picture.shape, rng)
        if is_far(elsewhere, keypoints):
            found.others.append(face_check.face_frame(picture, elsewhere))


def frames_of_texture(rng: np.random.Generator, found: Frames) -> None:
    picture = texture(rng)
    found.others += [face_check.face_frame(picture, guess.keypoints) for guess in guesses(picture)]
    keypoints = frame.KEYPOINT_TEMPLATE * min(picture.shape[:2]) / 200
    found.others += [face_check.face_frame(picture, random_keypoints(keypoints, picture.shape, rng)) for _ in range(2)]


def training_photos(faces_dirs: list[Path], count: int, sizes: SplitSizes, seed: int, rng: np.random.Generator) -> list[Path]:
    """``count`` photos of each folder's training people (``split_files`` with the recipe's sizes)."""
    chosen = []
    for folder in faces_dirs:
        train = split_files(list_images(folder), sizes, seed)["train"]
        chosen += [train[i] for i in sorted(rng.choice(len(train), min(count, len(train)), replace=False))]
    return chosen


def build_frames(photos: list[Path], textures: int, rng: np.random.Generator) -> Frames:
    found, kinds = Frames([], []), list(masks.MASKS)
    for path in tqdm(photos, desc="face-check frames: photos", unit="photo"):
        frames_of_photo(path, rng, kinds, found)
    for _ in tqdm(range(textures), desc="face-check frames: textures", unit="picture"):
        frames_of_texture(rng, found)
    return found


def network(batch_size: int | None = None):
    """Four 3x3 convolutions with pooling, then a small dense head: the face's layout matters, so
    the last map is flattened, not averaged. ``batch_size=1`` for the export (no dynamic shapes)."""
    import keras
    from keras import layers

    pixels = keras.Input((face_check.SIDE, face_check.SIDE, 3), batch_size=batch_size)
    hidden = layers.Rescaling(1 / 127.5, -1)(pixels)
    for filters in (16, 32, 64, 64):
        hidden = layers.Conv2D(filters, 3, padding="same", activation="relu")(hidden)
        hidden = layers.MaxPooling2D()(hidden)
    hidden = layers.Dropout(0.3)(layers.Flatten()(hidden))
    hidden = layers.Dense(64, activation="relu")(hidden)
    return keras.Model(pixels, layers.Dense(1, activation="sigmoid")(hidden), name="face_check")


def fit_face_check(faces_dirs: list[Path], out_dir: Path, sizes: SplitSizes, count: int = 3000, epochs: int = 8,
                   seed: int = 0, frames_seed: int = 7) -> dict:
    """Build the frames, fit, choose the threshold on the validation frames, export
    ``face_check.tflite`` and its JSON into ``out_dir``; returns the JSON."""
    import keras
    import tensorflow as tf

    from train.fit import provenance

    rng = np.random.default_rng(frames_seed)
    photos = training_photos(faces_dirs, count, sizes, seed, rng)
    found = build_frames(photos, count, rng)
    x = np.stack(found.faces + found.others)
    y = np.array([1.0] * len(found.faces) + [0.0] * len(found.others), np.float32)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    held = max(2, int(len(x) * VALIDATION_SHARE))
    x_val, y_val, x_train, y_train = x[:held], y[:held], x[held:], y[held:]

    def batches(size: int = 64):
        while True:
            chosen = rng.integers(0, len(x_train), size)
            batch = x_train[chosen].astype(np.float32)
            flip = rng.random(size) < 0.5
            batch[flip] = batch[flip, :, ::-1]
            yield batch, y_train[chosen]

    keras.utils.set_random_seed(seed)
    model = network()
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])
    model.fit(batches(), steps_per_epoch=max(1, len(x_train) // 64), epochs=epochs, verbose=2)

    scores = model.predict(x_val.astype(np.float32), verbose=0)[:, 0]
    others = np.sort(scores[y_val == 0])
    threshold = float(others[min(len(others) - 1, int(np.ceil(len(others) * (1 - NEGATIVES_PASSING))))]) if len(others) else 0.5
    threshold = min(max(threshold, 0.05), 0.95)

    exported = network(batch_size=1)
    exported.set_weights(model.get_weights())
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / face_check.MODEL_FILE.name
    model_path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(exported).convert())
    config = {
        "architecture": "face_check: 64x64 RGB -> 4 x (3x3 conv + ReLU + 2x2 max pool: 16, 32, 64, 64) -> flatten -> dense 64 -> sigmoid",
        "input_frame": f"the canonical {frame.SIZE}x{frame.SIZE} frame from the detector's key points, with "
                       f"{(face_check.CONTEXT - 1) / 2:.0%} of its side around it, at {face_check.SIDE}x{face_check.SIDE}, black past the photo",
        "training_data": {"folders": [str(folder) for folder in faces_dirs], "photos": len(photos), "textures": count,
                          "frames_with_a_face": len(found.faces), "frames_without": len(found.others),
                          "people": f"training people of split_files({sizes}, seed={seed})", "frames_seed": frames_seed},
        "epochs": epochs,
        "threshold": round(threshold, 4),
        "threshold_rule": f"the least score passing at most {NEGATIVES_PASSING:.0%} of the validation frames without a face",
        "metrics": {"validation_frames": int(held),
                    "faces_kept": round(float(np.mean(scores[y_val == 1] >= threshold)), 4) if (y_val == 1).any() else None,
                    "others_passing": round(float(np.mean(scores[y_val == 0] >= threshold)), 4) if (y_val == 0).any() else None},
        "sha256": weights.sha256_of(model_path),
        "training": provenance(),
    }
    model_path.with_suffix(".json").write_text(json.dumps(config, indent=2) + "\n")
    return config
