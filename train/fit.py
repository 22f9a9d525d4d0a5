"""Training recipes. ``fit_seed_model`` is the seed report's: Adam 0.002, binary cross-entropy,
ReduceLROnPlateau (x0.2, patience 2, min 1e-4), EarlyStopping on the training loss (patience 3),
and the checkpoint with the lowest validation loss kept."""
from __future__ import annotations

import csv
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from train import augment, nets
from train.prepare import load_split
from unmask import frame
from unmask.models import cpu_has_fast_bfloat16, keras_policy
from unmask.weights import sha256_of

SEED_EPOCHS = {"rgb2rgb": 50, "rgb2sketch": 100}
OUTPUTS = {"rgb2rgb": 3, "rgb2sketch": 1}


def training_precision(requested: str) -> str:
    """``requested``, or for "auto" what trains fastest here: mixed bfloat16 on a GPU or a CPU with
    AMX or AVX512-BF16, float32 elsewhere. On a CPU with only AVX2, bfloat16 is emulated: a step
    of the GAN took 9x as long as in float32 (``bench.train_step``, docs/performance.md)."""
    if requested != "auto":
        return requested
    return "bfloat16" if cpu_has_fast_bfloat16() or tf.config.list_physical_devices("GPU") else "float32"


def compute_in(precision: str) -> None:
    """Build the networks made after this to compute in ``precision`` ("bfloat16": mixed, weights float32)."""
    keras.mixed_precision.set_global_policy(keras_policy(precision))


def pairs(data: dict[str, np.ndarray], model: str) -> tuple[np.ndarray, np.ndarray]:
    """(masked input, target) as uint8; the sketch target gets a channel axis."""
    target = data["target"] if model == "rgb2rgb" else data["sketch"][..., None]
    return data["masked"], target


def dataset(x: np.ndarray, y: np.ndarray, batch_size: int, training: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if training:
        ds = ds.shuffle(len(x), seed=0, reshuffle_each_iteration=True)
    ds = ds.map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, tf.cast(b, tf.float32) / 255.0),
                num_parallel_calls=tf.data.AUTOTUNE)
    if training:
        ds = ds.map(augment.seed_flip, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def fit_seed_model(model_name: str, cache: Path, epochs: int | None, batch_size: int, precision: str,
                   runs: Path, bundle: Path, resume: bool = False) -> Path:
    """Train (or, with ``resume``, continue from the last epoch in ``runs/<model>``) and bundle."""
    keras.utils.set_random_seed(0)
    epochs = epochs or SEED_EPOCHS[model_name]
    run_dir = runs / model_name
    run_dir.mkdir(parents=True, exist_ok=True)
    past = read_history(run_dir / "history.csv") if resume else []
    train, val = load_split(cache, "train"), load_split(cache, "val")
    x_train, y_train = pairs(train, model_name)
    x_val, y_val = pairs(val, model_name)

    compute_in(precision)
    model = nets.seed_unet(OUTPUTS[model_name], name=model_name)
    best, last = run_dir / "best.weights.h5", run_dir / "last.weights.h5"
    learning_rate = past[-1]["learning_rate"] if past else 0.002
    if past:
        model.load_weights(last if last.exists() else best)  # runs before last.weights.h5 existed ended on their best
        print(f"resuming {model_name} after epoch {len(past)} at learning rate {learning_rate:g}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=2, min_lr=1e-4),
        # On resume the bests so far carry over, so neither stopping nor the checkpoint forgets them.
        keras.callbacks.EarlyStopping(monitor="loss", patience=3, baseline=min((r["loss"] for r in past), default=None)),
        keras.callbacks.ModelCheckpoint(best, monitor="val_loss", mode="min", save_best_only=True, save_weights_only=True,
                                        initial_value_threshold=min((r["val_loss"] for r in past), default=None)),
        keras.callbacks.ModelCheckpoint(last, save_weights_only=True),
        HistoryLog(run_dir / "history.csv", append=bool(past)),
        keras.callbacks.TensorBoard(run_dir / "tensorboard", update_freq="epoch"),
    ]
    start = time.time()
    model.fit(dataset(x_train, y_train, batch_size, True), validation_data=dataset(x_val, y_val, batch_size, False),
              epochs=epochs, initial_epoch=len(past), callbacks=callbacks, verbose=2)
    seconds = time.time() - start + (bundled_training(bundle, model_name).get("seconds", 0.0) if past else 0.0)

    model.load_weights(best)
    val_losses = [r["val_loss"] for r in read_history(run_dir / "history.csv")]
    spec = {
        "name": model_name,
        "architecture": "seed U-Net (25 layers, Conv2D/MaxPool/Conv2DTranspose/add, sigmoid)",
        "input": {"size": frame.SIZE, "channels": 3, "scale": "RGB / 255", "content": "masked face in the canonical frame"},
        "output": {"channels": OUTPUTS[model_name], "scale": "sigmoid, x255 for uint8",
                   "content": "face without mask" if model_name == "rgb2rgb" else "pencil sketch of the face without mask"},
        "training": {
            **training_data(cache, train, len(x_val)),
            "recipe": "seed: Adam 0.002, BCE, ReduceLROnPlateau, EarlyStopping(loss)",
            "precision": precision, "batch_size": batch_size, "epochs_run": len(val_losses), "epochs_max": epochs,
            "best_epoch": int(np.argmin(val_losses)) + 1, "best_val_loss": float(min(val_losses)),
            "seconds": round(seconds, 1),
        },
    }
    return save_bundle(lambda: nets.seed_unet(OUTPUTS[model_name], name=model_name), model, bundle, spec)


def read_history(path: Path) -> list[dict[str, float]]:
    """The rows of a training history CSV as floats (a column a row lacks is left out); empty when
    there is none."""
    if not path.exists():
        return []
    with path.open() as f:
        rows = list(csv.DictReader(f))
    if any(None in row for row in rows):
        raise ValueError(f"{path}: a row has more cells than the header (written by Keras's CSVLogger after a "
                         "new metric appeared); move the extra values under their own column")
    return [{key: float(value) for key, value in row.items() if value} for row in rows]


class HistoryLog(keras.callbacks.Callback):
    """Appends each epoch's logs to a CSV, widening its columns when a resumed run logs a new loss
    term. (Keras's CSVLogger keeps the old header and shifts every later value one column over.)
    Without ``append`` a run starts the file afresh."""

    def __init__(self, path: Path, append: bool):
        super().__init__()
        self.path, self.append = path, append

    def on_train_begin(self, logs=None):
        if not self.append:
            self.path.unlink(missing_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        rows = read_history(self.path) + [{"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}}]
        columns = ["epoch"] + sorted({key for row in rows for key in row} - {"epoch"})
        partial = self.path.with_suffix(".partial")
        with partial.open("w", newline="") as f:
            writer = csv.DictWriter(f, columns, restval="")
            writer.writeheader()
            writer.writerows({**row, "epoch": int(row["epoch"])} for row in rows)
        os.replace(partial, self.path)  # a crash mid-write keeps the history a resume needs


def bundled_training(bundle: Path, model_name: str) -> dict:
    """The training record of the bundled model (empty if none), so a resumed run reports totals."""
    spec = bundle / f"{model_name}.json"
    return json.loads(spec.read_text())["training"] if spec.exists() else {}


LICENCES = {"utkface": "UTKFace crop_part1 (non-commercial research only)",
            "aaf": "All-Age-Faces original images (research only)"}


def training_data(cache: Path, train: dict[str, np.ndarray], val_pairs: int) -> dict:
    """What a model was trained on and where, as fields: folders, counts, split seed, the command,
    the git commit and the machine, so a weight file always says how to make it again."""
    summary = json.loads((cache / "summary.json").read_text())
    folders = summary.get("faces_dirs") or [summary["faces_dir"]]
    sets = train["set"] if "set" in train else np.array([Path(folders[0]).name] * len(train["source"]))
    return {
        "data": ", ".join(LICENCES.get(Path(folder).name, Path(folder).name) for folder in folders),
        "folders": [Path(folder).name for folder in folders],
        "masks": sorted(set(train["kind"].tolist())),
        "faces": summary["splits"]["train"]["faces"], "pairs": int(len(train["source"])), "val_pairs": int(val_pairs),
        "faces_by_set": {name: int(len(set(train["source"][sets == name].tolist()))) for name in sorted(set(sets.tolist()))},
        "split_seed": summary["seed"],
        **provenance(),
    }


def provenance() -> dict:
    """The command that ran, the commit it ran at (``+changes`` when the tree was not clean) and the machine."""
    import platform
    import subprocess
    import sys

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+changes"
    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    cpu = next((line.split(":", 1)[1].strip() for line in _cpuinfo().splitlines() if line.startswith("model name")),
               platform.processor() or platform.machine())
    amx = " amx_bf16" in _cpuinfo()
    return {"command": "python -m train " + " ".join(sys.argv[1:]) if Path(sys.argv[0]).parent.name == "train" else " ".join(sys.argv),
            "commit": commit,
            "machine": {"cpu": cpu, "cores": os.cpu_count(), "amx": amx, "gpus": gpus, "system": platform.platform()}}


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def save_bundle(build: Callable[[], keras.Model], trained: keras.Model, bundle: Path, spec: dict,
                storage: str = "float32") -> Path:
    """Save the trained weights in a copy of the network stored as ``storage``, with its JSON.

    Models whose float32 file would pass 10 MB (too big for a Space without LFS) are stored as
    bfloat16 in a deflated archive, still a plain ``.keras`` file. Either way the precision of
    inference is a choice made at load time (unmask.models)."""
    keras.mixed_precision.set_global_policy(storage)
    final = build()
    final.set_weights(trained.get_weights())
    keras.mixed_precision.set_global_policy("float32")
    bundle.mkdir(parents=True, exist_ok=True)
    path = bundle / f"{spec['name']}.keras"
    final.save(path)
    if storage != "float32":
        deflate(path)
    spec = {**spec, "parameters": int(final.count_params()), "weights_dtype": storage,
            "frame": {"size": frame.SIZE, "template": frame.TEMPLATE.tolist()},
            "metrics": spec.get("metrics", {}), "file": path.name, "sha256": sha256_of(path)}
    (bundle / f"{spec['name']}.json").write_text(json.dumps(spec, indent=2) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) after {spec['training']['seconds'] / 60:.1f} min")
    return path


def deflate(path: Path) -> None:
    """Rewrite a .keras archive (Keras stores it uncompressed) with deflate; Keras reads both."""
    packed = path.with_suffix(".deflating")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    packed.replace(path)
