"""Evaluate models against OpenCV inpainting on the held-out test split; write a report.

Writes ``reports/evaluation.md`` (tables overall, per mask kind and per age band),
``reports/<model>/test_grid.png`` and ``reports/<model>/loss.png`` from the training CSV. The
sheets of faces (``test_grid.png``, ``real_masked.png``) show research-only photos: they are
made where the evaluation runs and ``.gitignore`` keeps them out of the repository.
"""
from __future__ import annotations

import collections
import json
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from train import metrics
from train.fit import read_history
from train.prepare import load_split
from unmask import kinds, models, regions, weights
from unmask.sketch import pencil_sketch

AGE_BANDS = [(0, 12, "0-12"), (13, 19, "13-19"), (20, 39, "20-39"), (40, 59, "40-59"), (60, 200, "60+")]
HEADLINE = ["psnr_face", "ssim_face", "psnr_region", "ssim_region", "l1_region", "detail_ratio", "chin_line", "identity",
            "mask_ghost", "bce", "accuracy"]
DECIBELS = ("psnr_face", "psnr_region")
NECK_ROWS = 16  # how far each region is run on below the mask in ``neck_test``


def age_band(age: int) -> str:
    return next((name for low, high, name in AGE_BANDS if low <= age <= high), "unknown")


def telea(masked: np.ndarray, region: np.ndarray) -> np.ndarray:
    return cv2.inpaint(masked, region.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)


def navier_stokes(masked: np.ndarray, region: np.ndarray) -> np.ndarray:
    return cv2.inpaint(masked, region.astype(np.uint8) * 255, 3, cv2.INPAINT_NS)


def model_outputs(name: str, masked: np.ndarray, weights_dir: Path, photo: np.ndarray,
                  by_colour: bool = True) -> np.ndarray:
    """A model's completion of uint8 crops, as the app runs it: (N, 128, 128, 3) or (N, 128, 128).

    Mask-aware models find their region themselves, never from the ground truth: masknet's,
    grown into the mask's colours unless ``by_colour`` is False (``photo``: the crops' photo
    pixels, as ``unmask.regions.find`` takes them)."""
    kind = kinds.load(name, lambda model_name: weights_dir / f"{model_name}.keras")
    if kind.model.info.output == "sketch":  # the sketch itself, not the colour image the page shows
        return np.concatenate([kind.model.predict(masked[i : i + 64])[..., 0] for i in range(0, len(masked), 64)])
    return np.concatenate([kind.generate(masked[i : i + 64], photo[i : i + 64], by_colour=by_colour).faces
                           for i in range(0, len(masked), 64)])


def outputs_for(method: str, test: dict[str, np.ndarray], target_kind: str, weights_dir: Path) -> np.ndarray:
    """Every test image as ``method`` completes it, in the target's form (RGB or grey sketch)."""
    masked, region = test["masked"], test["region"]
    if method in models.MODELS:
        out = model_outputs(method, masked, weights_dir, test["valid"])
        return np.stack([pencil_sketch(c) for c in out]) if target_kind == "sketch" and out.ndim == 4 else out
    if method == "masked input":
        completed = masked
    elif method == "telea":
        completed = np.stack([telea(m, r) for m, r in zip(masked, region)])
    elif method == "navier-stokes":
        completed = np.stack([navier_stokes(m, r) for m, r in zip(masked, region)])
    else:
        raise ValueError(method)
    return completed if target_kind == "rgb" else np.stack([pencil_sketch(c) for c in completed])


def score(outputs: np.ndarray, targets: np.ndarray, test: dict[str, np.ndarray],
          identity: tuple[metrics.IdentityEmbedder, np.ndarray] | None = None) -> list[dict]:
    """Per-image metrics; with ``identity`` = (embedder, target embeddings), the identity distance too."""
    rows = []
    for i in range(len(outputs)):
        row = metrics.all_metrics(outputs[i], targets[i], test["region"][i], test["valid"][i])
        row["detail_ratio"] = metrics.detail_ratio(outputs[i], targets[i], test["region"][i] & test["valid"][i])
        row["chin_line"] = (metrics.chin_line(outputs[i], targets[i], test["region"][i] & test["valid"][i], test["landmarks"][i])
                            if outputs.ndim == 4 else float("nan"))
        row["identity"] = float(np.linalg.norm(identity[0].embed(outputs[i]) - identity[1][i])) if identity else float("nan")
        masked = test["masked"][i] if outputs.ndim == 4 else pencil_sketch(test["masked"][i])
        row["mask_ghost"] = metrics.mask_ghost(outputs[i], masked, test["region"][i] & test["valid"][i])
        row.update(kind=str(test["kind"][i]), age_band=age_band(int(test["age"][i])))
        rows.append(row)
    return rows


def segmentation_iou(test: dict[str, np.ndarray], weights_dir: Path) -> dict[str, dict[str, float]]:
    """Intersection over union with the true region, overall and per mask kind, of the region the
    app finds (``"grown"``: ``unmask.regions.find``) and of masknet's alone (``"alone"``)."""
    segmenter = models.FaceModel("masknet", weights_dir / "masknet.keras")
    found = {"grown": [], "alone": []}
    for i in range(0, len(test["masked"]), 64):
        crops, photo = test["masked"][i : i + 64], test["valid"][i : i + 64]
        probabilities = regions.mask_probabilities(segmenter, crops)
        for name in found:
            found[name].append(regions.from_probabilities(probabilities, crops, photo, grow=0, by_colour=name == "grown"))
    truth, mask_kinds = test["region"], test["kind"]
    scores = {}
    for name, parts in found.items():
        region = np.concatenate(parts)
        iou = (region & truth).sum(axis=(1, 2)) / np.maximum((region | truth).sum(axis=(1, 2)), 1)
        scores[name] = {"all": float(iou.mean()), **{str(kind): float(iou[mask_kinds == kind].mean()) for kind in sorted(set(mask_kinds))}}
    return scores


def neck_test(test: dict[str, np.ndarray], names: list[str], weights_dir: Path, rows: int = NECK_ROWS) -> dict[str, dict[str, float]]:
    """Each true region run on ``rows`` px further down (``train.gan.run_on_down``), as a real mask
    that ends on the neck is, on the faces with photo pixels there (a neck, not border streaks);
    the region given, not found. Mean PSNR in the rows added (``psnr_neck``) and in the whole
    region (``psnr_region``), per method. A generator never asked to draw a neck draws a pale
    collar there (docs/quality.md, 2026-12-07)."""
    from train.gan import run_on_down

    region = run_on_down(test["region"], np.full(len(test["region"]), rows))
    added = region & ~test["region"] & test["valid"]
    keep = added.sum(axis=(1, 2)) >= 4 * rows  # a neck under most of the mask's width
    if not keep.any():
        return {}
    masked, target, valid, region, added = (a[keep] for a in (test["masked"], test["target"], test["valid"], region, added))
    grown = np.stack([cv2.dilate(r.astype(np.uint8), np.ones((2 * kinds.REGION_GROWTH + 1,) * 2, np.uint8)) > 0 for r in region])
    outputs = {"telea": np.stack([telea(m, r) for m, r in zip(masked, grown)])}
    for name in names:
        kind = kinds.load(name, lambda model_name: weights_dir / f"{model_name}.keras")
        outputs[name] = np.concatenate([kind.redraw(masked[i : i + 64], grown[i : i + 64]).faces for i in range(0, len(masked), 64)])
    return {method: {"faces": int(keep.sum()),
                     "psnr_neck": float(np.mean([metrics.psnr(o, t, a) for o, t, a in zip(out, target, added)])),
                     "psnr_region": float(np.mean([metrics.psnr(o, t, r & v) for o, t, r, v in zip(out, target, region, valid)]))}
            for method, out in outputs.items()}


def mean_of(rows: list[dict]) -> dict[str, float]:
    return {key: float(np.mean([r[key] for r in rows])) for key in HEADLINE + ["l1_face"]}


def table(results: dict[str, list[dict]], group: str | None) -> str:
    header = "| method | " + ("group | " if group else "") + "n | " + " | ".join(HEADLINE) + " |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for method, rows in results.items():
        groups = collections.defaultdict(list)
        for row in rows:
            groups[row[group] if group else "all"].append(row)
        for name in sorted(groups):
            means = mean_of(groups[name])
            cells = [f"{means[k]:.2f}" if k in DECIBELS else f"{means[k]:.4f}" for k in HEADLINE]
            lines.append(f"| {method} | " + (f"{name} | " if group else "") + f"{len(groups[name])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid(columns: list[np.ndarray], path: Path) -> None:
    columns = [np.repeat(c[..., None], 3, axis=-1) if c.ndim == 3 else c for c in columns]
    sheet = np.concatenate([np.concatenate(list(c), axis=0) for c in columns], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


def loss_plot(history_csv: Path, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_history(history_csv)
    epochs = [int(r["epoch"]) + 1 for r in rows]
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in ("epoch", "learning_rate") and not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.5), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for column, label in ((key, "train"), (f"val_{key}", "validation")):
            logged = [(epoch, r[column]) for epoch, r in zip(epochs, rows) if column in r]
            if logged:
                ax.plot(*zip(*logged), marker="o" if len(logged) == 1 else None, label=f"{label} {key}")
        ax.set_xlabel("epoch")
        ax.set_title(f"{title}: {key}")
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def training_curves(name: str, runs: Path, reports: Path) -> list[str]:
    """Plot a model's training history when its run is here; link the plot when one exists (it may
    have been drawn on the machine that trained the model)."""
    history = runs / name / "history.csv"
    if history.exists():
        loss_plot(history, reports / name / "loss.png", name)
    return [f"![{name} training curves]({name}/loss.png)\n"] if (reports / name / "loss.png").exists() else []


def photo_pixels_only(outputs: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Outputs flat grey where the frame holds no photo pixels (border streaks the app never pastes back)."""
    return np.where(inside[..., None] if outputs.ndim == 4 else inside, outputs, 128).astype(np.uint8)


def real_masked_sheet(real_dir: Path, names: list[str], path: Path, count: int = 24,
                      weights_dir: Path = weights.BUNDLED_DIR) -> int:
    """Real masked photos (no ground truth: for looking): aligned input, then each model's output.

    Photos are the first ``count`` (sorted by name) in which a face is found. Returns how many.
    In the outputs, frame pixels from outside the photo (replicated border streaks, which the app
    never pastes back) are flat grey."""
    from train.prepare import aligned_faces

    inputs, inside, found = aligned_faces(real_dir, limit=count)
    if not found:
        return 0
    columns = [inputs] + [photo_pixels_only(model_outputs(name, inputs, weights_dir, inside), inside) for name in names]
    columns = [np.repeat(c[..., None], 3, axis=-1) if c.ndim == 3 else c for c in columns]
    rows = [np.concatenate([column[i] for column in columns], axis=1) for i in range(len(found))]
    half = (len(rows) + 1) // 2  # two columns of rows keep the sheet roughly square
    left, right = rows[:half], rows[half:] + [np.zeros_like(rows[0])] * (half - len(rows[half:]))
    sheet = np.concatenate([np.concatenate(left, axis=0), np.concatenate(right, axis=0)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return len(rows)


def evaluate(cache: Path, model_names: list[str], reports: Path, update_json: bool,
             weights_dir: Path = weights.BUNDLED_DIR, runs: Path = Path("runs"), real_dir: Path | None = None) -> dict:
    test = load_split(cache, "test")
    reports.mkdir(parents=True, exist_ok=True)
    sections = [f"# Evaluation on the held-out test split\n\n{len(test['source'])} faces, one random synthetic "
                "mask each, never seen in training. `_face` = the 128x128 frame, `_region` = only "
                "the pixels under the mask; both count only pixels that come from the photo (tight crops "
                "fill the rest of the frame with replicated border streaks, never pasted back). `detail_ratio`: variance of the grey Laplacian inside the region, "
                "output over ground truth (~1 real texture, ~0 a blob). `chin_line`: share of faces with a thin "
                "vertical line under the mouth that the photo lacks (darker by over 4 grey levels than its own "
                "strongest there; the GAN once drew such lines down from the mouth corners). `identity`: distance between dlib "
                "face-recognition embeddings of output and ground truth (below 0.6 = dlib's same person). `mask_ghost`: "
                "correlation inside the region between the texture (grey less its 1.5 px blur) of output and masked "
                "input (for sketches, its pencil sketch): how much of the mask shows through (~0 drawn afresh, 1 the mask itself). "
                "bce and accuracy are the seed report's own measures. Telea and Navier-Stokes are given the "
                "true mask region; mask-aware models find it themselves with masknet.\n"]
    summary, spot_checks = {}, {}
    if any("masknet" in kinds.kind_of(name).needs for name in model_names):
        scores = segmentation_iou(test, weights_dir)
        iou, alone = scores["grown"], scores["alone"]
        summary["masknet"] = {"iou": iou["all"], "iou_masknet_alone": alone["all"]}
        sections.append("## Finding the mask (masknet)\n\nIntersection over union with the true region, of the region the "
                        "app uses (masknet's, grown into the mask's own colours by GrabCut: unmask/regions.py): "
                        + ", ".join(f"{kind} {value:.3f}" for kind, value in iou.items())
                        + "\n\nmasknet alone: " + ", ".join(f"{kind} {value:.3f}" for kind, value in alone.items()) + "\n")
        sections += training_curves("masknet", runs, reports)
    show = np.arange(min(8, len(test["source"])))
    colour = [n for n in model_names if models.MODELS[n].output == "rgb"]
    for target_kind, names in (("rgb", colour), ("sketch", [n for n in model_names if models.MODELS[n].output == "sketch"])):
        if not names:
            continue
        targets = test["target"] if target_kind == "rgb" else test["sketch"]
        identity = None
        if target_kind == "rgb":
            embedder = metrics.IdentityEmbedder()
            identity = (embedder, np.stack([embedder.embed(t) for t in tqdm(targets, desc="identity of the targets")]))
        # The sketch table also scores each colour model's result drawn with the pencil recipe: the
        # app's sketch when no sketch model is chosen.
        methods = {m: m for m in names + ["telea", "navier-stokes", "masked input"]}
        if target_kind == "sketch":
            methods.update({f"{n} + pencil sketch": n for n in colour})
        results, shown = {}, {}
        for label, method in tqdm(methods.items(), desc=f"evaluate {target_kind}"):
            outputs = outputs_for(method, test, target_kind, weights_dir)
            results[label] = score(outputs, targets, test, identity)
            shown[label] = outputs[show]
        summary.update({m: mean_of(r) for m, r in results.items() if m in names})
        for name in names:  # a few single images, so a test can recompute them from the raw data
            spot_checks[name] = [{"source": str(test["source"][i]), "kind": str(test["kind"][i]),
                                  **{k: round(results[name][i][k], 4) for k in ("psnr_region", "ssim_region", "psnr_face")}}
                                 for i in range(min(3, len(test["source"])))]
        sections += [f"## {target_kind} target\n", table(results, None), "\n### per mask kind\n", table(results, "kind"),
                     "\n### per age band\n", table(results, "age_band"), ""]
        redrawing = [n for n in names if hasattr(kinds.kind_of(n), "redraw")]
        neck = neck_test(test, redrawing, weights_dir) if target_kind == "rgb" and redrawing else {}
        if neck:
            for name in redrawing:
                summary[name]["psnr_neck"] = neck[name]["psnr_neck"]
            sections += [f"### regions run on {NECK_ROWS} px down the neck\n", "The true region of each face with a neck under "
                         f"its mask run on {NECK_ROWS} px further down, as a real mask that ends on the neck is, and given "
                         "(not found). PSNR in the rows added, and in the whole region.\n",
                         "| method | faces | psnr_neck | psnr_region |", "|---|---|---|---|"]
            sections += [f"| {m} | {v['faces']} | {v['psnr_neck']:.2f} | {v['psnr_region']:.2f} |" for m, v in neck.items()] + [""]
        for name in names:
            grid([test["masked"][show], shown["telea"], shown[name], targets[show]], reports / name / "test_grid.png")
            sections.append(f"![{name}: masked | Telea | {name} | target]({name}/test_grid.png)\n")
            sections += training_curves(name, runs, reports)
    if real_dir is not None and real_dir.is_dir():
        shown_real = real_masked_sheet(real_dir, model_names, reports / "real_masked.png", weights_dir=weights_dir)
        sections += ["## Real masked photos\n", f"{shown_real} real photos (no ground truth exists: for looking only). "
                     "Each row: aligned input | " + " | ".join(model_names) + ". Outside the photo (the "
                     "border streaks of tight crops, which the app never pastes back) outputs are flat grey.\n", "![real masked photos](real_masked.png)\n"]
    sections.append("The sheets of faces above are made where the evaluation runs and never committed: "
                    "the faces are research-only.\n")
    (reports / "evaluation.md").write_text("\n".join(sections))
    print("\n".join(sections))
    if update_json:
        split = json.loads((cache / "summary.json").read_text())
        for name in summary:
            spec_path = weights_dir / f"{name}.json"
            spec = json.loads(spec_path.read_text())
            spec["metrics"] = {"test_split": f"{len(test['source'])} held-out faces, 1 random mask each",
                               "split_seed": split["seed"], **{k: round(v, 4) for k, v in summary[name].items() if np.isfinite(v)}}
            if name in spot_checks:
                spec["metrics"]["spot_checks"] = spot_checks[name]
            spec_path.write_text(json.dumps(spec, indent=2) + "\n")
    return summary
