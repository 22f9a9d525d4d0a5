"""Faces -> aligned 128x128 crops with synthetic masks, cached as ``.npz`` per split.

Each face folder (UTKFace's tight crops, All-Age-Faces' loose photos with neck and background) is
split by person with a fixed seed, so nobody appears in two splits, and each split takes the same
number of faces from every folder. Each training face gets one mask of each of the seed's four kinds
by default (its protocol); each validation and test face gets one mask of a random kind (any of
them). Masks are drawn with a per-face seed, so preparing twice gives the same pixels.
"""
from __future__ import annotations

import collections
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from unmask import faces, frame, io, masks
from unmask.sketch import pencil_sketch

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


@dataclass
class SplitSizes:
    train: int = 1000
    val: int = 100
    test: int = 400


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def age_of(path: Path) -> int:
    """UTKFace names are AGE_GENDER_RACE_DATE.jpg.chip.jpg, All-Age-Faces' PERSON + A + AGE
    (00125A03.jpg); -1 when the name says neither."""
    head = path.name.split("_", 1)[0]
    if head.isdigit():
        return int(head)
    person, letter, age = path.stem[:5], path.stem[5:6], path.stem[6:]
    return int(age) if person.isdigit() and letter == "A" and age.isdigit() else -1


def person_of(path: Path) -> str:
    """Who is in the photo, as far as the name says: All-Age-Faces' person number, else the file."""
    stem = path.stem
    return stem[:5] if len(stem) > 6 and stem[:5].isdigit() and stem[5] == "A" else path.name


def split_files(files: list[Path], sizes: SplitSizes, seed: int) -> dict[str, list[Path]]:
    """Fixed-seed split by person. Test and validation come first so they stay the same when the
    training set grows. Extra candidates are kept in order to replace faces the detector rejects."""
    people = sorted({person_of(path) for path in files})
    order = np.random.default_rng(seed).permutation(len(people))
    rank = {people[i]: position for position, i in enumerate(order)}
    shuffled = sorted(files, key=lambda path: (rank[person_of(path)], path.name))
    test_people = {person_of(path) for path in shuffled[: sizes.test]}
    val_people = {person_of(path) for path in shuffled[sizes.test : sizes.test + sizes.val]} - test_people
    test = [path for path in shuffled if person_of(path) in test_people]
    val = [path for path in shuffled if person_of(path) in val_people]
    train = [path for path in shuffled if person_of(path) not in test_people | val_people]
    return {"test": test, "val": val, "train": train}


def face_seed(path: Path, seed: int) -> int:
    digest = hashlib.sha256(f"{seed}:{path.name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def find_face(path: Path) -> tuple[np.ndarray | None, faces.Face | None, str]:
    """The decoded photo and its most confident face, or None, None and the reason."""
    try:
        image = io.decode(path)
    except io.UnreadableImage as error:
        return None, None, f"unreadable: {error}"
    found = faces.detect(image)
    if not found:
        return None, None, "no face detected"
    return image, max(found, key=lambda f: f.score), "ok"


def align_face(path: Path) -> tuple[frame.Crop | None, str]:
    """The aligned crop of the most confident face in a photo, or None, and the reason."""
    image, face, reason = find_face(path)
    return (None if face is None else frame.align(image, face.landmarks)), reason


def aligned_faces(folder: Path, start: int = 0, stop: int | None = None,
                  limit: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Crops, photo-pixel masks and file names of the faces found in the photos ``start:stop`` of a
    folder (sorted by name), stopping after ``limit`` faces. For real photos, which have no pairs."""
    crops, valid, names = [], [], []
    for source in tqdm(list_images(folder)[start:stop], desc=f"aligning {folder.name}", unit="photo"):
        crop, _ = align_face(source)
        if crop is not None:
            crops.append(crop.pixels)
            valid.append(crop.photo)
            names.append(source.name)
        if len(names) == limit:
            break
    if not names:
        return np.zeros((0, frame.SIZE, frame.SIZE, 3), np.uint8), np.zeros((0, frame.SIZE, frame.SIZE), bool), []
    return np.stack(crops), np.stack(valid), names


def kinds_for(masks_per_face: int | str, rng: np.random.Generator) -> list[str]:
    """'seed': one of each of the seed report's four kinds; 'all': one of every kind; N: N random kinds."""
    if masks_per_face == "seed":
        return list(masks.SEED_KINDS)
    if masks_per_face == "all":
        return list(masks.MASKS)
    kinds = list(masks.MASKS)
    return [kinds[rng.integers(len(kinds))] for _ in range(int(masks_per_face))]


def pairs_for_face(path: Path, masks_per_face: int | str, seed: int) -> tuple[list[dict], str]:
    """The training pairs of one photo (one per mask drawn), exactly as ``prepare`` stores them."""
    image, face, reason = find_face(path)
    if face is None:
        return [], reason
    crop = frame.align(image, face.landmarks)
    rng = np.random.default_rng(face_seed(path, seed))
    sketch = pencil_sketch(crop.pixels)
    pairs = []
    for kind in kinds_for(masks_per_face, rng):
        # Drawn on the photo, then aligned: a mask that runs off a tight crop's edge continues into
        # the replicated border streaks, exactly as on real tight crops.
        masked_photo, region_photo = masks.draw_mask(image, face.landmarks, kind, rng)
        masked = frame.warp(masked_photo, crop.matrix)
        region = frame.warp(region_photo.astype(np.uint8) * 255, crop.matrix) >= 128
        pairs.append({"masked": masked, "target": crop.pixels, "sketch": sketch, "region": region, "valid": crop.photo,
                      "landmarks": crop.landmarks, "kind": kind, "age": age_of(path), "source": path.name})
    return pairs, reason


def prepare_split(files: list[Path], wanted: int, masks_per_face: int | str, seed: int,
                  desc: str) -> tuple[dict[str, np.ndarray], collections.Counter]:
    """Align up to ``wanted`` faces and draw masks on each (see ``kinds_for``)."""
    records: dict[str, list] = collections.defaultdict(list)
    reasons: collections.Counter = collections.Counter()
    used = 0
    with tqdm(total=min(wanted, len(files)), desc=desc, unit="face") as progress:
        for path in files:
            if used >= wanted:
                break
            pairs, reason = pairs_for_face(path, masks_per_face, seed)
            reasons[reason] += 1
            if not pairs:
                continue
            for pair in pairs:
                for key, value in pair.items():
                    records[key].append(value)
            used += 1
            progress.update(1)
    arrays = {key: np.stack(values) if key in ("masked", "target", "sketch", "region", "valid", "landmarks") else np.array(values)
              for key, values in records.items()}
    return arrays, reasons


def prepare(faces_dirs: Path | list[Path], out_dir: Path, sizes: SplitSizes, seed: int = 0,
            train_masks: int | str = "seed") -> dict:
    """Every split takes ``sizes`` faces from each folder; each pair records its folder as ``set``."""
    folders = [faces_dirs] if isinstance(faces_dirs, Path) else list(faces_dirs)
    files = {folder: list_images(folder) for folder in folders}
    for folder, found in files.items():
        if not found:
            raise FileNotFoundError(f"no images under {folder}")
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = {"faces_dirs": [str(folder) for folder in folders], "files": {folder.name: len(found) for folder, found in files.items()},
               "seed": seed, "frame": frame.SIZE, "template": frame.TEMPLATE.tolist(), "splits": {}}
    splits = {folder: split_files(found, sizes, seed) for folder, found in files.items()}
    for name, wanted, per_face in (("test", sizes.test, 1), ("val", sizes.val, 1), ("train", sizes.train, train_masks)):
        parts, counts = [], {}
        for folder in folders:
            arrays, reasons = prepare_split(splits[folder][name], wanted, per_face, seed, f"{name} {folder.name}")
            arrays["set"] = np.array([folder.name] * len(arrays.get("source", [])))
            parts.append(arrays)
            counts[folder.name] = {"faces": int(len(set(arrays.get("source", [])))), "pairs": int(len(arrays.get("source", []))),
                                   "detector": dict(reasons)}
        filled = [part for part in parts if len(part["set"])] or parts[:1]
        arrays = {key: np.concatenate([part[key] for part in filled]) for key in filled[0]}
        np.savez(out_dir / f"{name}.npz", **arrays)
        summary["splits"][name] = {"faces": sum(c["faces"] for c in counts.values()), "pairs": int(len(arrays["source"])),
                                   "sources": sorted(set(arrays["source"].tolist())) if name == "test" else None,
                                   "by_set": counts}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def load_split(data_dir: Path, name: str) -> dict[str, np.ndarray]:
    with np.load(data_dir / f"{name}.npz") as data:
        return {key: data[key] for key in data.files}


def preview(data_dir: Path, path: Path, count: int = 8) -> None:
    """A sheet of masked inputs, regions, targets and sketches, to look at before training."""
    data = load_split(data_dir, "train")
    rows = []
    for i in range(min(count, len(data["source"]))):
        region = np.repeat(data["region"][i, ..., None].astype(np.uint8) * 255, 3, axis=2)
        sketch = np.repeat(data["sketch"][i, ..., None], 3, axis=2)
        rows.append(np.concatenate([data["masked"][i], region, data["target"][i], sketch], axis=1))
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))
