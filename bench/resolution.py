"""Which working resolution, 128 or 256: what a 256 frame would cost and what the 128 frame loses.

    python -m bench.resolution [--cache build/data-v6] [--data ../shared/data] [--repeats 30]

1. Cost: the inpainting generator's forward pass for one face at 128 and at 256 (one more level,
   so its bottom still sees the whole face), with and without bfloat16, median of ``--repeats``.
2. What 128 loses: the test faces of ``--cache`` aligned again at 256 from their UTKFace files.
   Inside the true mask region (photo pixels only), at 256, against those faces: the true 128 face
   scaled up (a perfect 128 model: the most any 128 model can score at 256), and the shipped
   ``inpaint`` scaled up. If the shipped model sits far below the ceiling, its errors are what it
   draws, not the frame it draws in.
3. How much paste-back enlarges the frame in real photos: photo pixels per frame pixel for the
   faces of ``real_masked/`` and ``examples/`` (1: the face is pasted at the size it was drawn; 2:
   scaled up 2x), and for the training faces (below 2, a 256 frame would train on enlarged faces).

Parts 2 and 3 need the data folder and the prepared cache; they are skipped when these are absent.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np
from tqdm import tqdm

from bench.stages import timed

LARGE = 256


def forward_ms(size: int, precision: str, repeats: int) -> tuple[float, float, float, int]:
    """Median (p25, p75) ms of one forward pass of the generator built for ``size``, and its parameters."""
    import tensorflow as tf

    from train import fit, nets

    fit.compute_in(precision)
    generator = nets.inpaint_generator(size=size)
    fit.compute_in("float32")
    run = tf.function(lambda x: generator(x, training=False), input_signature=[tf.TensorSpec((1, size, size, 4))])
    batch = tf.constant(np.random.default_rng(0).random((1, size, size, 4), np.float32))
    for _ in range(3):
        run(batch)
    return (*timed(lambda: run(batch).numpy(), repeats), generator.count_params())


def aligned_at(path: Path, size: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The face of a photo in the canonical frame scaled to ``size``, and its photo-pixel mask."""
    from train.prepare import find_face
    from unmask import frame

    image, face, _ = find_face(path)
    if face is None:
        return None
    matrix = frame.similarity_transform(face.landmarks, frame.TEMPLATE * size / frame.SIZE)
    return frame.warp(image, matrix, size), frame.valid_mask(image.shape, matrix, size)


def up(images: np.ndarray, size: int) -> np.ndarray:
    return np.stack([cv2.resize(image, (size, size), interpolation=cv2.INTER_CUBIC) for image in images])


def what_128_loses(cache: Path, faces_dir: Path) -> dict[str, dict[str, float]]:
    from train.evaluate import model_outputs
    from train.metrics import detail_ratio, psnr, ssim
    from train.prepare import load_split

    test = load_split(cache, "test")
    truth, valid, keep = [], [], []
    for i, name in enumerate(tqdm(test["source"], desc=f"aligning test faces at {LARGE}", unit="face")):
        found = aligned_at(faces_dir / name, LARGE)
        if found is not None:
            truth.append(found[0])
            valid.append(found[1])
            keep.append(i)
    keep = np.array(keep)
    region = np.stack([cv2.resize(r.astype(np.uint8), (LARGE, LARGE), interpolation=cv2.INTER_NEAREST) > 0
                       for r in test["region"][keep]]) & np.stack(valid)
    shipped = model_outputs("inpaint", test["masked"][keep], Path("unmask/weights"), test["valid"][keep])
    candidates = {"perfect 128 model, scaled up": up(test["target"][keep], LARGE), "inpaint (shipped), scaled up": up(shipped, LARGE)}
    results = {}
    for name, outputs in candidates.items():
        rows = [(psnr(o, t, r), ssim(o, t, r), detail_ratio(o, t, r)) for o, t, r in zip(outputs, truth, region)]
        results[name] = dict(zip(("psnr_region", "ssim_region", "detail_ratio"), np.mean(rows, axis=0)))
    at_128 = [(psnr(o, t, r & v), ssim(o, t, r & v), detail_ratio(o, t, r & v))
              for o, t, r, v in zip(shipped, test["target"][keep], test["region"][keep], test["valid"][keep])]
    results["inpaint (shipped) at 128, as reports/ measure it"] = dict(zip(("psnr_region", "ssim_region", "detail_ratio"),
                                                                         np.mean(at_128, axis=0)))
    results["faces"] = {"n": len(keep)}
    return results


def paste_back_scale(folder: Path, count: int | None) -> np.ndarray:
    """Photo pixels per frame pixel for the most confident face of the first ``count`` photos (all: None)."""
    from train.prepare import find_face, list_images
    from unmask import frame

    scales = []
    for path in tqdm(list_images(folder)[:count], desc="real photos", unit="photo"):
        _, face, _ = find_face(path)
        if face is not None:
            scales.append(1 / frame.scale_of(frame.similarity_transform(face.landmarks, frame.TEMPLATE)))
    return np.array(scales)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.resolution", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("build/data-v6"), help="prepared cache holding test.npz")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--real-photos", type=int, default=300, help="photos of each data folder whose face scale is measured")
    args = parser.parse_args()

    print("\n| frame | precision | generator forward, ms (p25-p75) | parameters |\n|---|---|---|---|")
    times = {}
    for size in (128, LARGE):
        for precision in ("bfloat16", "float32"):
            median, low, high, parameters = forward_ms(size, precision, args.repeats)
            times[size, precision] = median
            print(f"| {size} | {precision} | {median:.1f} ({low:.1f}-{high:.1f}) | {parameters:,} |")
    for precision in ("bfloat16", "float32"):
        print(f"{LARGE} over 128, {precision}: {times[LARGE, precision] / times[128, precision]:.2f}x")

    faces_dir = args.data / "faces" / "utkface"
    if (args.cache / "test.npz").exists() and faces_dir.is_dir():
        results = what_128_loses(args.cache, faces_dir)
        print(f"\nInside the true region, photo pixels, {results.pop('faces')['n']} test faces:")
        print("| output | PSNR region | SSIM region | detail ratio |\n|---|---|---|---|")
        for name, row in results.items():
            print(f"| {name} | {row['psnr_region']:.2f} | {row['ssim_region']:.4f} | {row['detail_ratio']:.2f} |")
    else:
        print(f"\nskipped what 128 loses: needs {args.cache / 'test.npz'} and {faces_dir}", file=sys.stderr)

    print("\nPhoto pixels per frame pixel (above 1: paste-back enlarges the 128 frame; above 2: it would enlarge a 256 one too)")
    print("| photos | faces | p10 | p25 | p50 | p75 | p90 | above 1 | above 2 |\n|---|---|---|---|---|---|---|---|---|")
    for folder, count in ((faces_dir, args.real_photos), (args.data / "real_masked", args.real_photos), (Path("examples"), None)):
        if not folder.is_dir():
            print(f"skipped paste-back scale: no {folder}", file=sys.stderr)
            continue
        scales = paste_back_scale(folder, count)
        cells = " | ".join(f"{q:.2f}" for q in np.percentile(scales, [10, 25, 50, 75, 90]))
        print(f"| {folder} | {len(scales)} | {cells} | {np.mean(scales > 1):.0%} | {np.mean(scales > 2):.0%} |")


if __name__ == "__main__":
    main()
