"""Which face detector: recall on real and synthetic masked faces, false faces, time, frame error.

    python -m bench.detectors [--data ../shared/data] [--faces 150] [--calibrate] [--confidence 0.6]

Compares the app's detector (``unmask.faces``, BlazeFace; also without its last look, the less
sure one whose faces must pass ``unmask.face_check``) with MTCNN as the app ran it until
issue 23 (``unmask/faces.py`` of commit ``MTCNN_COMMIT``, loaded from git history; needs the
``mtcnn`` package of requirements-dev.txt) and, when installed, ``yuface`` (YuNet; its wheels cover
Linux and Windows on Python 3.10-3.11 only, so it is measured, not used). Each detector gets its
close-up second look (a grey border) where it has one. Tables, printed as markdown:

- recall: photos with at least one face found, and with one the app would unmask (not left alone
  as too small or turned away), on every ``real_masked/`` photo and on synthetic masked faces made
  from ``faces/utkface`` and ``faces/aaf`` (every kind of mask the renderer draws, as found, tilted
  25 degrees, small in a large photo, cut close, upscaled 4x; children apart);
- false faces on photos with no face (scikit-image's pictures without people, generated textures);
- time per photo of 1024x1024 and 4000x3000 (the example face scaled into it), and of a
  1024x1024 photo with no face, which takes every look there is;
- frame error: where each face lands in the 128x128 frame by our key points against MTCNN's five
  points, on faces both find (mean distance of the five template points, frame pixels).

``--training-frame`` measures, on synthetic masked faces, how far each detector's frame is from the
frame the models were trained in (MTCNN's on the same face unmasked). ``--calibrate`` prints ``frame.KEYPOINT_TEMPLATE`` as measured on unmasked faces (the mean place of
our eyes, nose and mouth centre in MTCNN's frame), the numbers that constant holds.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from unmask import faces, frame, io, masks
from unmask.pipeline import why_left_alone

ROOT = Path(__file__).resolve().parent.parent
MTCNN_COMMIT = "c8879f3"  # the last commit whose unmask/faces.py ran MTCNN
EXAMPLE = ROOT / "examples" / "astronaut_n95.jpg"


def mtcnn_baseline():
    """The MTCNN driver the app used before issue 23, imported from git history."""
    source = subprocess.run(["git", "show", f"{MTCNN_COMMIT}:unmask/faces.py"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "mtcnn_faces.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("mtcnn_faces", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mtcnn_faces"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    module.detector()
    return module


def yuface_detect(image: np.ndarray) -> list[faces.Face]:
    """YuNet on a copy at most 640 px long (as MTCNN ran), faces mapped back."""
    scale = min(1.0, 640 / max(image.shape[:2]))
    if scale < 1:
        small = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        found = yuface_detect(small)
        return [faces.Face(tuple(int(v / scale) for v in f.box), f.landmarks / scale, f.score) for f in found]
    import yuface

    found = []
    for conf, (x, y, w, h), points in zip(*yuface.detect(np.ascontiguousarray(image[..., ::-1]), conf=0.5)):
        found.append(faces.Face((int(x), int(y), int(w), int(h)), points.reshape(5, 2).astype(np.float32), conf / 100))
    if not found:  # the same second look as the others
        pad = int(0.25 * max(image.shape[:2]))
        framed = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(128, 128, 128))
        for conf, (x, y, w, h), points in zip(*yuface.detect(np.ascontiguousarray(framed[..., ::-1]), conf=0.5)):
            found.append(faces.Face((int(x) - pad, int(y) - pad, int(w), int(h)), points.reshape(5, 2).astype(np.float32) - pad,
                                    conf / 100))
    return found


def blazeface_variant(networks: tuple[str, ...], enough: float):
    """``faces.detect_close_up`` with only these networks, or another cascade threshold."""
    built = faces.Detector()
    built.networks = [entry for entry in built.networks if entry[0].file.split("_")[2] in networks]
    built.enough = enough

    def detect(image: np.ndarray) -> list[faces.Face]:
        original = faces.detector
        faces.detector = lambda: built
        try:
            return faces.detect_close_up(image)
        finally:
            faces.detector = original

    return detect


def detectors(variants: bool) -> dict:
    chosen = {"BlazeFace (unmask.faces)": faces.detect_close_up,
              "BlazeFace without its last look": lambda image: faces.every_look(image, None)}
    if variants:
        chosen["BlazeFace short-range only"] = blazeface_variant(("short",), 0)
        chosen["BlazeFace full-range only"] = blazeface_variant(("full",), 0)
        chosen["BlazeFace both, always"] = blazeface_variant(("short", "full"), 2.0)
    try:
        baseline = mtcnn_baseline()
        # Its faces are the old module's: made ours, as YuNet's are, so every row is scored alike.
        chosen["MTCNN (before, lean driver)"] = lambda image: [faces.Face(face.box, face.landmarks, face.score)
                                                               for face in baseline.detect_close_up(image)]
    except (subprocess.CalledProcessError, ImportError, FileNotFoundError) as error:
        print(f"MTCNN baseline not available ({error}); pip install -r requirements-dev.txt in a git checkout", file=sys.stderr)
    if importlib.util.find_spec("yuface"):
        chosen["YuNet (yuface)"] = yuface_detect
    return chosen


def unmaskable(found: list[faces.Face]) -> bool:
    return any(why_left_alone(face) is None for face in found)


def synthetic_cases(data: Path, count: int, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Masked test photos by kind of case, from faces found unmasked by our detector."""
    utk = sorted((data / "faces" / "utkface").glob("*.jpg"))
    aaf = sorted((data / "faces" / "aaf").glob("*.jpg"))
    adults = [p for p in utk if int(p.name.split("_")[0]) >= 13]
    children = [p for p in utk if int(p.name.split("_")[0]) < 13]
    sources = {"UTKFace adults": adults[1::max(1, len(adults) // count)][:count],
               "UTKFace children": children[1::max(1, len(children) // count)][:count],
               "AAF": aaf[1::max(1, len(aaf) // count)][:count]}
    kinds = list(masks.MASKS)
    cases: dict[str, list[np.ndarray]] = {}
    for name, paths in sources.items():
        for i, path in enumerate(paths):
            image = io.decode(path)
            found = faces.detect(image)
            if not found:
                continue
            masked, _ = masks.draw_mask(image, found[0].landmarks, kinds[i % len(kinds)], rng)
            h, w = masked.shape[:2]
            cases.setdefault(f"{name}, as found", []).append(masked)
            angle = 25 if i % 2 else -25
            turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            cases.setdefault(f"{name}, tilted 25 degrees", []).append(cv2.warpAffine(masked, turn, (w, h), borderMode=cv2.BORDER_REFLECT))
            canvas = rng.integers(60, 200, (768, 1024, 3), dtype=np.uint8)
            canvas = cv2.GaussianBlur(canvas, (0, 0), 8)
            small = cv2.resize(masked, (int(w * 0.4), int(h * 0.4)), interpolation=cv2.INTER_AREA)
            y, x = rng.integers(0, 768 - small.shape[0]), rng.integers(0, 1024 - small.shape[1])
            canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
            cases.setdefault(f"{name}, small in a 1024x768 photo", []).append(canvas)
            cases.setdefault(f"{name}, cut close", []).append(masked[int(h * 0.15):int(h * 0.9), int(w * 0.15):int(w * 0.85)].copy())
            cases.setdefault(f"{name}, upscaled 4x", []).append(cv2.resize(masked, (w * 4, h * 4), interpolation=cv2.INTER_CUBIC))
    return cases


def faceless(rng: np.random.Generator) -> list[np.ndarray]:
    """Photos with no human face: scikit-image's pictures of things, and generated textures."""
    from skimage import data as pictures

    names = ["coffee", "chelsea", "rocket", "coins", "hubble_deep_field", "immunohistochemistry", "moon", "page", "text",
             "horse", "logo", "brick", "grass", "gravel", "retina", "colorwheel", "clock", "cell", "microaneurysms"]
    images = []
    for name in names:
        picture = np.asarray(getattr(pictures, name)())
        picture = picture.astype(np.uint8) if picture.dtype != bool else picture.astype(np.uint8) * 255
        if picture.ndim == 2:
            picture = np.repeat(picture[..., None], 3, axis=2)
        images.append(np.ascontiguousarray(picture[..., :3]))
    for i in range(40):
        size = (int(rng.integers(100, 900)), int(rng.integers(100, 900)), 3)
        noise = rng.integers(0, 256, size, dtype=np.uint8)
        images.append(cv2.GaussianBlur(noise, (0, 0), float(1 + i % 8 * 3)))
    for grey in range(0, 256, 32):
        images.append(np.full((480, 640, 3), grey, np.uint8))
    return images


def frame_error(ours: faces.Face, theirs) -> float:
    """Mean distance (frame px) between the template points as our alignment puts them and where
    MTCNN's alignment of the same photo puts those photo points."""
    matrix = frame.similarity_transform(theirs.landmarks, frame.TEMPLATE)
    return float(np.linalg.norm(frame.transform_points(matrix, ours.landmarks) - frame.TEMPLATE, axis=1).mean())


def calibrate(data: Path, baseline, count: int) -> np.ndarray:
    """Mean place of our eyes, nose tip and mouth centre in MTCNN's frame, on unmasked faces."""
    paths = sorted((data / "faces" / "utkface").glob("*.jpg"))[::max(1, 9780 // count)][:count]
    paths += sorted((data / "faces" / "aaf").glob("*.jpg"))[::max(1, 8882 // count)][:count]
    placed = []
    for path in tqdm(paths, desc="calibrate", unit="face"):
        image = io.decode(path)
        ours, theirs = faces.detect(image), baseline.detect(image)
        if len(ours) == 1 and len(theirs) == 1:
            matrix = frame.similarity_transform(theirs[0].landmarks, frame.TEMPLATE)
            placed.append(frame.transform_points(matrix, ours[0].keypoints[:4]))
    print(f"calibrated on {len(placed)} unmasked faces both found one face in")
    return np.mean(placed, axis=0)


def training_frame_error(data: Path, baseline, count: int) -> None:
    """How far each detector's frame of a masked face is from the frame the models were trained
    in: MTCNN's on the same face without the mask (mean distance of the five template points)."""
    paths = sorted((data / "faces" / "utkface").glob("*.jpg"))[7::max(1, 9780 // count)][:count]
    paths += sorted((data / "faces" / "aaf").glob("*.jpg"))[7::max(1, 8882 // count)][:count]
    rng, kinds, errors = np.random.default_rng(0), list(masks.MASKS), []
    for i, path in enumerate(tqdm(paths, desc="training frame", unit="face")):
        image = io.decode(path)
        truth = baseline.detect(image)
        if len(truth) != 1:
            continue
        masked, _ = masks.draw_mask(image, truth[0].landmarks, kinds[i % len(kinds)], rng)
        ours, theirs = faces.detect_close_up(masked), baseline.detect_close_up(masked)
        if len(ours) == 1 and len(theirs) == 1:
            errors.append((frame_error(ours[0], truth[0]), frame_error(theirs[0], truth[0])))
    errors = np.array(errors)
    print(f"\nFrame error against the training frame (MTCNN on the unmasked face), {len(errors)} masked UTKFace "
          "and AAF faces both find (frame px)\n\n| detector on the masked face | mean | median | 95th percentile |\n| --- | --- | --- | --- |")
    for column, name in enumerate(("BlazeFace (unmask.faces)", "MTCNN (before)")):
        values = errors[:, column]
        print(f"| {name} | {values.mean():.2f} | {np.median(values):.2f} | {np.percentile(values, 95):.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--faces", type=int, default=150, help="synthetic faces per source")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--training-frame", action="store_true", help="only the frame error against the training frame")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--variants", action="store_true", help="also each BlazeFace network alone, and both always")
    parser.add_argument("--confidence", type=float, default=faces.MIN_CONFIDENCE,
                        help="the least score of a face for every look (unmask.faces.MIN_CONFIDENCE)")
    args = parser.parse_args(argv)
    faces.MIN_CONFIDENCE = args.confidence
    rng = np.random.default_rng(23)
    chosen = detectors(args.variants)
    if args.calibrate:
        template = calibrate(args.data, mtcnn_baseline(), 300)
        print("KEYPOINT_TEMPLATE =", np.round(template, 2).tolist())
        return
    if args.training_frame:
        training_frame_error(args.data, mtcnn_baseline(), 120)
        return

    print("\n| detector | 1024x1024 photo, ms | 4000x3000 photo, ms | 1024x1024, no face, ms |\n| --- | --- | --- | --- |")
    example = io.decode(EXAMPLE)
    square = cv2.resize(example, (1024, 1024))
    wide = np.full((3000, 4000, 3), 120, np.uint8)
    wide[1000:2024, 1500:2524] = square
    # A faceless photo takes every look, the last one too: what a photo with no face costs.
    nobody = cv2.GaussianBlur(np.random.default_rng(1).integers(0, 256, (1024, 1024, 3), dtype=np.uint8), (0, 0), 6)
    for name, detect in chosen.items():
        times = []
        for image in (square, wide, nobody):
            detect(image)
            samples = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                detect(image)
                samples.append((time.perf_counter() - start) * 1000)
            times.append(f"{np.median(samples):.1f} ({np.percentile(samples, 25):.1f}-{np.percentile(samples, 75):.1f})")
        print(f"| {name} | {' | '.join(times)} |")

    sets: dict[str, list[np.ndarray]] = {}
    real = sorted((args.data / "real_masked").iterdir())
    sets["real_masked/, all"] = [io.decode(path) for path in tqdm(real, desc="read real_masked", unit="photo")]
    sets.update(synthetic_cases(args.data, args.faces, rng))
    names = list(chosen)
    found: dict[str, dict[str, list]] = {name: {} for name in names}
    for set_name, images in sets.items():
        for name in names:
            found[name][set_name] = [chosen[name](image) for image in tqdm(images, desc=f"{name}: {set_name}", leave=False)]
    print("\nRecall: photos with a face found / with a face the app unmasks (not left alone)\n")
    print("| set | photos | " + " | ".join(names) + " |\n| --- | --- |" + " --- |" * len(names))
    for set_name, images in sets.items():
        cells = []
        for name in names:
            results = found[name][set_name]
            hit = sum(bool(r) for r in results)
            usable = sum(unmaskable(r) for r in results)
            cells.append(f"{hit / len(images):.1%} / {usable / len(images):.1%}")
        print(f"| {set_name} | {len(images)} | " + " | ".join(cells) + " |")

    empty = faceless(rng)
    print(f"\nFalse faces on {len(empty)} photos with none: " +
          ", ".join(f"{name}: {sum(len(chosen[name](image)) for image in empty)} faces on "
                    f"{sum(bool(chosen[name](image)) for image in empty)} photos" for name in names))

    baseline = next((n for n in names if n.startswith("MTCNN")), None)
    if baseline:
        ours = names[0]
        print(f"\nFrame error of {ours} against {baseline} on photos where both find one face (128x128 frame px)\n")
        print("| set | faces | mean | median | 95th percentile | over 4 px |\n| --- | --- | --- | --- | --- | --- |")
        for set_name in sets:
            errors = [frame_error(a[0], b[0]) for a, b in zip(found[ours][set_name], found[baseline][set_name])
                      if len(a) == 1 and len(b) == 1]
            if errors:
                print(f"| {set_name} | {len(errors)} | {np.mean(errors):.2f} | {np.median(errors):.2f} | "
                      f"{np.percentile(errors, 95):.2f} | {np.mean(np.array(errors) > 4):.1%} |")
    spreads = [f.eye_distance / f.box[2] for r in found[names[0]]["real_masked/, all"] for f in r]
    print(f"\nEye distance / box width of the faces found in real_masked/ by {names[0]}: "
          f"min {min(spreads):.3f}, 1st percentile {np.percentile(spreads, 1):.3f}, median {np.median(spreads):.3f}")


if __name__ == "__main__":
    main()
