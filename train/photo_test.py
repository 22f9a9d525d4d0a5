"""Quality as the user sees it: whole test photos masked, unmasked by ``Unmasker.unmask`` and
scored on the photo it returns, at the photo's own size.

    python -m train photo-test --cache build/data/utkface-aaf --data ../shared/data

The photos are the test split of a prepared cache (people kept out of training, from every face
folder), each at 1x and upscaled 2x and 4x before the mask is drawn, so faces of 300-600 px, as
in selfies, are scored too. Each photo gets one synthetic mask, the kinds taken in turn so every
kind the renderer draws is scored alike. Measured on the returned photo against the clean one:

- PSNR and SSIM inside the mask region, and over the face (the footprint of the aligned frame);
- detail ratio: variance of the grey Laplacian in the region, result over truth (1 = real texture;
  reported as the median: a ratio of variances, a few near-flat truths would swamp a mean);
- identity distance: dlib embeddings of result and truth (lower is closer, the masked photo is the bar);
- mask ghost: how much of the mask's texture shows through (0 drawn afresh, 1 the mask itself);
- seams: faces whose redrawn part ends on a step at the frame's edge sharper than the photo's own.

A photo where no face is found gets nothing back: it is scored as the masked photo, and counted.
Telea inpainting is given the true region; the models find it themselves.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train import metrics
from train.evaluate import age_band
from train.photos import OWN_STEP_FACTOR, OWN_STEP_MARGIN, edge_step, redrawn_part
from train.prepare import age_of, face_seed, find_face
from unmask import frame, masks
from unmask.pipeline import NoFaceFound, Unmasker

SCALES = (1, 2, 4)
COLUMNS = ["psnr_region", "ssim_region", "psnr_face", "ssim_face", "detail_ratio", "identity", "mask_ghost"]


@dataclass
class TestPhoto:
    source: str
    set: str
    age: int
    scale: int
    kind: str
    clean: np.ndarray  # (H, W, 3) uint8, the truth
    masked: np.ndarray  # (H, W, 3) uint8, what the user uploads
    region: np.ndarray  # (H, W) bool, where the mask is
    landmarks: np.ndarray  # (5, 2) of the face, in this photo


def test_photos(data: Path, cache: Path, scales: tuple[int, ...] = SCALES, per_set: int | None = None,
                seed: int = 0) -> list[TestPhoto]:
    """The cache's test people as whole photos, each masked at every scale (one kind per person)."""
    summary = json.loads((cache / "summary.json").read_text())
    folders = [Path(folder) for folder in summary["faces_dirs"]]
    sources = summary["splits"]["test"]["sources"]
    kinds = list(masks.MASKS)
    photos = []
    for folder in folders:
        names = sorted(name for name in sources if (data / "faces" / folder.name / name).exists())[:per_set]
        for index, name in enumerate(tqdm(names, desc=f"masking {folder.name}", unit="photo")):
            image, face, _ = find_face(data / "faces" / folder.name / name)
            if face is None:
                continue
            kind = kinds[index % len(kinds)]
            for scale in scales:
                clean = image if scale == 1 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
                landmarks = face.landmarks * scale
                rng = np.random.default_rng(face_seed(Path(name), seed + scale))
                masked, region = masks.draw_mask(clean, landmarks, kind, rng)
                photos.append(TestPhoto(name, folder.name, age_of(Path(name)), scale, kind, clean, masked, region, landmarks))
    return photos


def footprint(shape: tuple[int, ...], matrix: np.ndarray) -> np.ndarray:
    """(H, W) bool: the photo pixels inside the aligned frame of a face."""
    inside = np.ones((frame.SIZE, frame.SIZE), np.uint8)
    return cv2.warpAffine(inside, frame.invert(matrix), (shape[1], shape[0]), flags=cv2.INTER_NEAREST, borderValue=0) > 0


def box_of(mask: np.ndarray, margin: int = 8) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    return (slice(max(ys.min() - margin, 0), ys.max() + margin + 1), slice(max(xs.min() - margin, 0), xs.max() + margin + 1))


def scores(output: np.ndarray, photo: TestPhoto, face_area: np.ndarray, matrix: np.ndarray,
           embedder: metrics.IdentityEmbedder, truth_embedding: np.ndarray) -> dict[str, float]:
    """Every measure of one returned photo, computed in the face's bounding box at photo size."""
    rows, cols = box_of(face_area | photo.region)
    out, clean, masked = output[rows, cols], photo.clean[rows, cols], photo.masked[rows, cols]
    region, face = photo.region[rows, cols], face_area[rows, cols]
    embedding = embedder.embed(frame.warp(output, matrix))
    return {
        "psnr_region": metrics.psnr(out, clean, region), "ssim_region": metrics.ssim(out, clean, region),
        "psnr_face": metrics.psnr(out, clean, face), "ssim_face": metrics.ssim(out, clean, face),
        "detail_ratio": metrics.detail_ratio(out, clean, region),
        "identity": float(np.linalg.norm(embedding - truth_embedding)),
        "mask_ghost": metrics.mask_ghost(out, masked, region),
    }


def telea(photo: TestPhoto) -> np.ndarray:
    """OpenCV's Telea inpainting of the true region (grown 2 px, as the models grow theirs)."""
    region = cv2.dilate(photo.region.astype(np.uint8), np.ones((5, 5), np.uint8))
    return cv2.inpaint(photo.masked, region, 3, cv2.INPAINT_TELEA)


def run(photos: list[TestPhoto], methods: dict[str, Unmasker | str]) -> tuple[dict[str, list[dict]], dict[str, list[np.ndarray]]]:
    """Each method's scores per photo (with its set, scale, kind and age band), and its outputs."""
    embedder = metrics.IdentityEmbedder()
    results: dict[str, list[dict]] = defaultdict(list)
    outputs: dict[str, list[np.ndarray]] = defaultdict(list)
    for photo in tqdm(photos, desc="unmasking test photos", unit="photo"):
        matrix = frame.align(photo.clean, photo.landmarks).matrix
        face_area = footprint(photo.clean.shape, matrix)
        truth = embedder.embed(frame.warp(photo.clean, matrix))
        about = {"set": photo.set, "scale": f"{photo.scale}x", "kind": photo.kind, "age_band": age_band(photo.age)}
        for name, method in methods.items():
            extra: dict[str, float] = {}
            if method == "telea":
                output = telea(photo)
            elif method == "masked":
                output = photo.masked
            else:
                start = time.perf_counter()
                try:
                    result = method.unmask(photo.masked)
                    output, found = result.image, 1.0
                except NoFaceFound:
                    output, found, result = photo.masked, 0.0, None
                extra = {"seconds": time.perf_counter() - start, "found": found, "seam": float("nan")}
                if result is not None and result.faces:
                    face = result.faces[0]
                    crop_matrix = frame.align(photo.masked, face.landmarks).matrix
                    step = edge_step(photo.masked, output, crop_matrix, redrawn_part(face))
                    if step is not None:
                        extra["seam"] = float(step[0] > OWN_STEP_FACTOR * step[1] + OWN_STEP_MARGIN)
            results[name].append({**about, **scores(output, photo, face_area, matrix, embedder, truth), **extra})
            outputs[name].append(output)
    return results, outputs


def mean_table(results: dict[str, list[dict]], group: str | None) -> str:
    """Markdown: one row per method (and group value), the mean of each measure."""
    extra = [c for c in ("found", "seam", "seconds") if any(c in r for rows in results.values() for r in rows)]
    header = ["method"] + ([group] if group else []) + ["photos"] + \
        [c if c != "detail_ratio" else "detail_ratio (median)" for c in COLUMNS] + extra
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for name, rows in results.items():
        values = sorted({r[group] for r in rows}) if group else [None]
        for value in values:
            chosen = [r for r in rows if group is None or r[group] == value]
            cells = [name] + ([str(value)] if group else []) + [str(len(chosen))]
            for column in COLUMNS + extra:
                numbers = np.array([r.get(column, np.nan) for r in chosen], float)
                numbers = numbers[np.isfinite(numbers)]
                if column == "seam":
                    cells.append(f"{int(numbers.sum())}/{len(numbers)}" if len(numbers) else "-")
                elif column == "seconds":
                    cells.append(f"{1000 * np.median(numbers):.0f} ms" if len(numbers) else "-")
                elif column == "detail_ratio":  # a ratio of variances: a few flat truths would swamp a mean
                    cells.append(f"{np.median(numbers):.2f}" if len(numbers) else "-")
                else:
                    cells.append(f"{numbers.mean():.3f}" if len(numbers) else "-")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sheet(photos: list[TestPhoto], outputs: dict[str, list[np.ndarray]], picks: list[int], path: Path, height: int = 256) -> None:
    """Whole photos, one row each: masked | every method | truth, each scaled to ``height``."""
    rows = []
    for i in picks:
        images = [photos[i].masked] + [outputs[name][i] for name in outputs if name != "masked"] + [photos[i].clean]
        scaled = [cv2.resize(image, (round(image.shape[1] * height / image.shape[0]), height), interpolation=cv2.INTER_AREA)
                  for image in images]
        rows.append(np.concatenate(scaled, axis=1))
    width = max(row.shape[1] for row in rows)
    rows = [np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0))) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows), cv2.COLOR_RGB2BGR))


def photo_test(data: Path, cache: Path, bundles: dict[str, Path | None], reports: Path, scales: tuple[int, ...] = SCALES,
               per_set: int | None = None, model: str = "inpaint", without_grain: bool = False, sheet_photos: int = 6,
               without_widening: bool = False, without_mirror: bool = False) -> dict[str, dict[str, float]]:
    """Score ``model`` from each bundle (None: the shipped weights), Telea and the masked photo;
    with ``without_grain`` each bundle also without ``unmask.grain`` (labelled "LABEL smooth"), with
    ``without_widening`` also without the widened frame (``Unmasker.redraw_widened``, "LABEL unwidened"),
    with ``without_mirror`` also drawing each face once, not averaged with its mirror image's ("LABEL unmirrored");
    write ``reports/photo_test.md``, its JSON and contact sheets of ``sheet_photos`` photos per
    folder and scale (ten rows a sheet, for counting faults by eye); return the overall means."""
    photos = test_photos(data, cache, scales, per_set)
    methods: dict[str, Unmasker | str] = {label: Unmasker(model, weights_dir=folder) for label, folder in bundles.items()}
    switched_off = {"smooth": ("match_grain", without_grain), "unwidened": ("widen", without_widening),
                    "unmirrored": ("mirror", without_mirror)}  # label suffix: the Unmasker option, and whether asked
    for suffix, (option, asked) in switched_off.items():
        if asked:
            methods.update({f"{label} {suffix}": Unmasker(model, weights_dir=folder, **{option: False})
                            for label, folder in bundles.items()})
    methods.update({"telea": "telea", "masked": "masked"})
    results, outputs = run(photos, methods)
    reports.mkdir(parents=True, exist_ok=True)
    labels = list(outputs)
    sections = [f"# Quality on returned photos, {time.strftime('%Y-%m-%d')}\n",
                f"{len({p.source for p in photos})} test people ({', '.join(sorted({p.set for p in photos}))}), "
                f"scales {', '.join(f'{s}x' for s in scales)}: {len(photos)} photos, one synthetic mask each. "
                f"Methods: {', '.join(labels)} (model `{model}` from each bundle). See `train/photo_test.py` for the measures.\n",
                "## All photos\n", mean_table(results, None)]
    for group in ("set", "scale", "kind", "age_band"):
        sections += [f"\n## By {group}\n", mean_table(results, group)]
    rng = np.random.default_rng(0)
    for scale in scales:
        at_scale = [i for i, p in enumerate(photos) if p.scale == scale]
        for name in sorted({p.set for p in photos}):
            picks = [i for i in at_scale if photos[i].set == name]
            picks = sorted(rng.choice(picks, min(sheet_photos, len(picks)), replace=False).tolist()) if picks else []
            for first in range(0, len(picks), 10):
                path = reports / f"photos_{name}_{scale}x{'' if first == 0 else f'_{first // 10 + 1}'}.png"
                sheet(photos, outputs, picks[first : first + 10], path)
                sections.append(f"\n![{name} at {scale}x: masked | {' | '.join(n for n in labels if n != 'masked')} | truth]({path.name})")
    (reports / "photo_test.md").write_text("\n".join(sections) + "\n")
    overall = {name: {c: float((np.nanmedian if c == "detail_ratio" else np.nanmean)([r[c] for r in rows]))
                      for c in COLUMNS + ["found", "seconds"] if c in rows[0]}
               for name, rows in results.items()}
    (reports / "photo_test.json").write_text(json.dumps({"overall": overall, "rows": results}, indent=1) + "\n")
    print("\n".join(sections))
    return overall
