"""The mask-aware models: ``masknet`` finds the mask, ``inpaint`` redraws only what it covers.

``inpaint`` is trained as a conditional GAN the pix2pix way (TensorFlow's pix2pix tutorial):
a U-Net generator and a PatchGAN discriminator, generator loss = adversarial + 100 x L1. The L1
counts only pixels under the mask that came from the photo (not replicated borders), and the
discriminator judges the composite (generated pixels inside the region, real ones outside), so
the generator is only ever asked to draw what the app will show.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import cv2
import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from train import nets
from train.fit import HistoryLog, bundled_training, compute_in, read_history, save_bundle, training_data
from train.prepare import load_split
from unmask import frame
from unmask.kinds import REGION_GROWTH, Inpaint

L1_WEIGHT = 100.0
LINE_ROWS = 15  # pixels: how far down a column ``line_l1`` averages
UPPER_FACE_ROWS = 80  # rows down to the mouth: where a mask's top edge can be


def grow(region: tf.Tensor, pixels: int = REGION_GROWTH) -> tf.Tensor:
    """Dilate a (B, H, W, 1) 0/1 region by ``pixels`` (max-pooling with stride 1)."""
    return tf.nn.max_pool2d(region, 2 * pixels + 1, 1, "SAME") if pixels else region


def counted(region: tf.Tensor, valid: tf.Tensor) -> tf.Tensor:
    """The pixels the generator's losses count: the region as the generator redraws it, photo pixels only."""
    return grow(region) * valid


def generator_input(masked: tf.Tensor, region: tf.Tensor) -> tf.Tensor:
    """(B, H, W, 4) in [0, 1]: the input the app builds (``unmask.kinds.Inpaint.model_input``)."""
    return Inpaint.model_input(masked, region, 1.0, tf.concat)


def reached(region: np.ndarray, most: int, seed: int = 0) -> np.ndarray:
    """The (N, H, W) bool regions, each taken a random 0..``most`` px further up, in the columns
    it covers above the mouth, never above ``frame.EYE_CLEARANCE_ROW``. A region that reaches
    higher than the mask, as one the user painted over a binding does, leaves the generator to
    draw the skin under the eyes from the eyes alone; the shipped generator learned that here
    (docs/remnants.md has what it measured)."""
    reach = np.random.default_rng(seed).integers(0, most + 1, len(region))[:, None, None]
    rows = np.arange(region.shape[1])[None, :, None]
    has_top = region[:, :UPPER_FACE_ROWS].any(axis=1, keepdims=True)
    top = region.argmax(axis=1)[:, None]
    above = (rows < top) & (rows >= np.maximum(top - reach, frame.EYE_CLEARANCE_ROW))
    return region | (above & has_top)


def reached_down(region: np.ndarray, most: int, seed: int = 1) -> np.ndarray:
    """The (N, H, W) bool regions, each run on a random 0..``most`` px further down (the region
    shifted down by every step up to its reach, joined). A real mask often ends on the neck, below
    the chin; the renderer's mostly end at the chin, and on tight crops the rows under it are border
    streaks no loss counts. Never asked to draw a neck, the generator drew a pale collar wherever a
    region ran on below the jaw: the commonest fault counted by eye (docs/quality.md, 2026-12-07)."""
    return run_on_down(region, np.random.default_rng(seed).integers(0, most + 1, len(region)))


def run_on_down(region: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """The (N, H, W) bool regions, each joined with itself shifted down by 1..``reach[i]`` px."""
    out = region.copy()
    for step in range(1, int(reach.max(initial=0)) + 1):
        going = reach >= step
        out[going, step:] |= region[going, :-step]
    return out


def pairs_dataset(data: dict[str, np.ndarray], batch_size: int, training: bool) -> tf.data.Dataset:
    """(masked, target, region, valid) as float tensors; training pairs are flipped left-right at random."""
    ds = tf.data.Dataset.from_tensor_slices((data["masked"], data["target"], data["region"][..., None], data["valid"][..., None]))
    if training:
        ds = ds.shuffle(len(data["masked"]), seed=0, reshuffle_each_iteration=True)

    def to_float(masked, target, region, valid):
        images = [tf.cast(masked, tf.float32) / 255.0, tf.cast(target, tf.float32) / 255.0,
                  tf.cast(region, tf.float32), tf.cast(valid, tf.float32)]
        if training:
            flip = tf.random.uniform(()) < 0.5
            images = [tf.cond(flip, lambda i=i: tf.reverse(i, [1]), lambda i=i: i) for i in images]
        return tuple(images)

    return ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE).batch(batch_size).prefetch(tf.data.AUTOTUNE)


class InpaintGAN(keras.Model):
    """Generator and discriminator trained together by a custom ``train_step``."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, l1_weight: float = L1_WEIGHT,
                 line_weight: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1_weight, self.line_weight = l1_weight, line_weight
        self.generator = generator
        self.discriminator = discriminator
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("g_adv", "g_l1", "g_line", "d_loss")}

    def compile(self, g_optimizer, d_optimizer):
        super().compile()
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def complete(self, masked, region, training=False):
        """(generator input, generated face, composite: generated inside the region, real outside)."""
        region = grow(region)
        condition = generator_input(masked, region)
        generated = tf.cast(self.generator(condition, training=training), tf.float32)
        return condition, generated, generated * region + masked * (1 - region)

    def l1(self, generated, target, weight):
        """Mean absolute error over the ``counted`` pixels."""
        return tf.reduce_sum(tf.abs(generated - target) * weight) / (3 * tf.reduce_sum(weight) + 1.0)

    def line_l1(self, generated, target, weight, rows: int = LINE_ROWS):
        """L1 between the images' differences across (pixel to right neighbour), each first averaged
        over a window of ``rows`` rows centred on it (differences outside the ``counted`` pixels
        are 0), over those pixels. Averaged down a column, skin texture mostly averages out but a
        vertical line does not: this charges the lines the GAN drew down from the mouth corners
        (the adversarial loss let them through) far more than texture."""
        pair = weight[:, :, 1:] * weight[:, :, :-1]
        difference = ((generated[:, :, 1:] - generated[:, :, :-1]) - (target[:, :, 1:] - target[:, :, :-1])) * pair
        averaged = tf.nn.avg_pool2d(difference, (rows, 1), 1, "SAME")
        return tf.reduce_sum(tf.abs(averaged) * pair) / (3 * tf.reduce_sum(pair) + 1.0)

    def train_step(self, data):
        masked, target, region, valid = data
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            condition, generated, composite = self.complete(masked, region, training=True)
            real_logits, fake_logits = self.judge(condition, target, composite, valid)
            g_adv = self.bce(tf.ones_like(fake_logits), fake_logits)
            weight = counted(region, valid)
            g_l1 = self.l1(generated, target, weight)
            g_line = self.line_l1(generated, target, weight)
            g_loss = g_adv + self.l1_weight * g_l1 + self.line_weight * g_line
            d_loss = self.discriminator_loss(real_logits, fake_logits)
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, self.generator.trainable_variables),
                                             self.generator.trainable_variables))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, self.discriminator.trainable_variables),
                                             self.discriminator.trainable_variables))
        for name, value in (("g_adv", g_adv), ("g_l1", g_l1), ("g_line", g_line), ("d_loss", d_loss)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def judge(self, condition, target, composite, valid):
        """The discriminator's logits (float32) for the real face and for the composite.

        It sees only pixels that came from the photo (``valid``; the rest is black in both): the
        replicated border streaks under the chin of tight crops are in no face the app shows, so
        they must not count as what a real face looks like."""
        real_logits = self.discriminator([condition, target * valid], training=True)
        fake_logits = self.discriminator([condition, composite * valid], training=True)
        return tf.cast(real_logits, tf.float32), tf.cast(fake_logits, tf.float32)

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.5 * (self.bce(tf.ones_like(real_logits), real_logits) + self.bce(tf.zeros_like(fake_logits), fake_logits))

    def discriminator_step(self, data, optimizer: keras.optimizers.Optimizer):
        """One step of the discriminator alone, against the generator as it is (frozen)."""
        masked, target, region, valid = data
        with tf.GradientTape() as tape:
            condition, _, composite = self.complete(masked, region)
            real_logits, fake_logits = self.judge(condition, target, composite, valid)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
        optimizer.apply_gradients(zip(tape.gradient(d_loss, self.discriminator.trainable_variables),
                                      self.discriminator.trainable_variables))
        return d_loss

    def test_step(self, data):
        masked, target, region, valid = data
        _, generated, _ = self.complete(masked, region)
        self.trackers["g_l1"].update_state(self.l1(generated, target, counted(region, valid)))
        return {"g_l1": self.trackers["g_l1"].result()}


def warm_up_discriminator(gan: InpaintGAN, dataset: tf.data.Dataset, steps: int) -> float:
    """Train a fresh discriminator alone for ``steps`` against the trained generator; returns its
    last loss. An untrained discriminator's first gradients would mean nothing to a trained
    generator. (It does not by itself keep mouths detailed when the generator is continued:
    detail ratio 0.41 with it, 0.44 without, on the same data; ``blend_inpaint`` is what did.)"""
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    optimizer.build(gan.discriminator.trainable_variables)
    step = tf.function(lambda data: gan.discriminator_step(data, optimizer))
    loss = float("nan")
    for data in tqdm(dataset.repeat().take(steps), total=steps, desc="discriminator warm-up"):
        loss = float(step(data))
    return loss


class SampleGrid(keras.callbacks.Callback):
    """After every epoch, a PNG of fixed validation faces: masked | composite | target."""

    def __init__(self, gan: InpaintGAN, samples: dict[str, np.ndarray], folder: Path):
        super().__init__()
        self.gan, self.folder = gan, folder
        self.masked = samples["masked"].astype(np.float32) / 255
        self.region = samples["region"][..., None].astype(np.float32)
        self.target = samples["target"]

    def on_epoch_end(self, epoch, logs=None):
        _, _, composite = self.gan.complete(tf.constant(self.masked), tf.constant(self.region))
        composite = np.clip(np.rint(composite.numpy() * 255), 0, 255).astype(np.uint8)
        rows = [np.concatenate([np.rint(m * 255).astype(np.uint8), c, t], axis=1)
                for m, c, t in zip(self.masked, composite, self.target)]
        self.folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(self.folder / f"epoch_{epoch + 1:03d}.png"), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))


PART_BYTES = 9_000_000  # a checkpoint file's most: a Hugging Face Space takes files under 10 MB without LFS


def save_weights_in_parts(model: keras.Model, folder: Path, stem: str) -> None:
    """``model``'s weights, float32 as trained, in ``stem.partN.npz`` files of at most ``PART_BYTES``
    of whole arrays: a checkpoint committed so the next session goes on exactly where this one
    stopped, in files the repo can hold (the generator is 21 MB)."""
    parts: list[list[np.ndarray]] = [[]]
    for array in model.get_weights():
        if parts[-1] and sum(a.nbytes for a in parts[-1]) + array.nbytes > PART_BYTES:
            parts.append([])
        parts[-1].append(array)
    for i, arrays in enumerate(parts):
        np.savez(folder / f"{stem}.part{i}.npz", *arrays)
    for stale in weight_parts(folder, stem)[len(parts):]:
        stale.unlink()


def weight_parts(folder: Path, stem: str) -> list[Path]:
    return sorted(folder.glob(f"{stem}.part*.npz"), key=lambda path: int(path.suffixes[-2][len(".part"):]))


def load_weights_in_parts(model: keras.Model, folder: Path, stem: str) -> None:
    """Set ``model``'s weights from ``save_weights_in_parts``' files."""
    parts = weight_parts(folder, stem)
    if not parts:
        raise FileNotFoundError(f"no {stem}.part*.npz in {folder}")
    arrays = []
    for path in parts:
        with np.load(path) as part:
            arrays += [part[f"arr_{i}"] for i in range(len(part.files))]
    model.set_weights(arrays)


class OutOfTime(Exception):
    """The session's time ran out partway through an epoch; ``SessionCheckpoint`` saved the steps taken."""


class SessionCheckpoint(keras.callbacks.Callback):
    """Training that spans sessions. After every epoch, the generator's and discriminator's weights
    in ``folder`` (``load_weights_in_parts`` loads them into ``nets.inpaint_generator()``) and
    ``epoch.txt``: the epochs since the generator last came from a bundle (not those of the runs
    before it that ``resume`` continued; a fraction when cut mid-epoch) and the seconds they took,
    across the sessions a ``go_on`` run spans.
    ``minutes``: the session's budget. Training stops after the epoch during which it runs out, or
    with ``mid_epoch`` at the step it runs out, saved as above and ended by ``OutOfTime``: on a CPU
    where an epoch takes an hour and a half, waiting for its end wastes up to that much of a session."""

    def __init__(self, gan: InpaintGAN, folder: Path, steps_per_epoch: int, first_epoch: int = 0,
                 seconds_before: float = 0.0, steps_before: int = 0, minutes: float | None = None,
                 mid_epoch: bool = False):
        super().__init__()
        self.gan, self.folder, self.steps_per_epoch, self.first_epoch = gan, folder, steps_per_epoch, first_epoch
        self.seconds_before, self.steps, self.mid_epoch = seconds_before, steps_before, mid_epoch
        self.budget = None if minutes is None else minutes * 60
        self.start = time.time()

    def out_of_time(self) -> bool:
        return self.budget is not None and time.time() - self.start > self.budget

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.mid_epoch and self.out_of_time() and self.steps < self.steps_per_epoch:
            self.save(self.epoch + self.steps / self.steps_per_epoch)
            raise OutOfTime(f"out of time {self.steps} of {self.steps_per_epoch} steps into epoch {self.epoch + 1}: checkpoint saved")

    def on_epoch_end(self, epoch, logs=None):
        self.steps = 0
        self.save(epoch + 1)
        if self.out_of_time():
            self.model.stop_training = True

    def save(self, epochs: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        save_weights_in_parts(self.gan.generator, self.folder, "generator")
        save_weights_in_parts(self.gan.discriminator, self.folder, "discriminator")
        seconds = self.seconds_before + time.time() - self.start
        (self.folder / "epoch.txt").write_text(f"{round(epochs - self.first_epoch, 6)} {seconds:.1f}\n")


def read_checkpoint(folder: Path) -> tuple[float, float]:
    """(epochs, seconds) of ``SessionCheckpoint``'s ``epoch.txt``."""
    epochs, seconds = (float(word) for word in (folder / "epoch.txt").read_text().split())
    return int(epochs) if epochs.is_integer() else epochs, seconds


def last_val_l1(run_dir: Path) -> float | None:
    """Validation L1 after the last whole epoch in ``run_dir``'s history; None when a run was cut
    before its first epoch ended."""
    history = read_history(run_dir / "history.csv")
    return history[-1].get("val_g_l1") if history else None


GOING_ON_QUIET_STEPS = 50  # steps at rate 0 that refill Adam's moments when a run goes on


class HoldThenDecay(keras.optimizers.schedules.LearningRateSchedule):
    """pix2pix's schedule: ``rate`` for ``hold`` steps, then linearly down to 0 over ``decay`` steps.
    ``start``: the steps already taken by the sessions before, when a run goes on from its
    checkpoint with fresh optimizers (whose own step count starts again at 0).
    ``quiet``: the first steps of this session get rate 0. Fresh Adam moments would move every
    weight by about the full rate on the first step (m/sqrt(v) = sign(g)); steps at rate 0 fill
    the moments from this session's gradients before any weight moves."""

    def __init__(self, rate: float, hold: int, decay: int, start: int = 0, quiet: int = 0):
        self.rate, self.hold, self.decay, self.start, self.quiet = rate, hold, max(decay, 1), start, quiet

    def __call__(self, step):
        left = 1.0 - (tf.cast(step + self.start, tf.float32) - self.hold) / self.decay
        rate = self.rate * tf.clip_by_value(left, 0.0, 1.0)
        return tf.where(tf.cast(step, tf.float32) < self.quiet, tf.zeros_like(rate), rate)

    def get_config(self) -> dict:
        return {"rate": self.rate, "hold": self.hold, "decay": self.decay, "start": self.start, "quiet": self.quiet}


def fit_inpaint(cache: Path, epochs: int, batch_size: int, precision: str, runs: Path, bundle: Path,
                minutes: float | None = None, resume: bool = False, l1_weight: float = L1_WEIGHT,
                line_weight: float = 0.0, reach_up: int = 0, reach_down: int = 0, decay: bool = False,
                go_on: bool = False, mid_epoch: bool = False) -> Path:
    """Train the GAN at a constant rate (with ``decay``: constant for the first half of ``epochs``,
    then decaying linearly to zero, pix2pix's whole schedule in one run), or with ``resume``
    continue the bundled generator for ``epochs`` more with both rates decaying to zero.
    ``go_on``: a ``decay`` run cut off by the end of a session goes on from its last checkpoint
    in ``runs`` up to ``epochs`` in all, on the same schedule: training from scratch that takes
    several sessions on a CPU. Adam's moments start afresh and fill during the first
    ``GOING_ON_QUIET_STEPS`` steps at rate 0 (``HoldThenDecay``), which is why the checkpoint
    need not hold them (56 MB more each session). An epoch that ``mid_epoch`` cut short is finished
    first, its remaining steps drawn from a fresh shuffle.
    A smaller ``l1_weight`` leaves more of the generator's loss to the discriminator, which is what
    draws texture: L1 alone is minimised by the average mouth, a blur."""
    if go_on and (resume or not decay):
        raise ValueError("go_on goes on with a decay run from its checkpoint; it does not resume a bundle")
    if mid_epoch and minutes is None:
        raise ValueError("mid_epoch stops when the minutes run out: give minutes")
    run_dir = runs / "inpaint"
    run_dir.mkdir(parents=True, exist_ok=True)
    train, val = load_split(cache, "train"), load_split(cache, "val")
    if reach_up:
        train = {**train, "region": reached(train["region"], reach_up)}
    if reach_down:
        train = {**train, "region": reached_down(train["region"], reach_down)}
    past = read_history(run_dir / "history.csv") if resume or go_on else []
    if go_on and len(past) >= epochs:
        raise ValueError(f"{run_dir} has run {len(past)} of its {epochs} epochs already: the fit that ran its last one bundled it")
    steps_per_epoch = math.ceil(len(train["masked"]) / batch_size)
    chain_epochs, chain_seconds = read_checkpoint(run_dir / "checkpoint") if go_on else (0.0, 0.0)
    if go_on and math.floor(chain_epochs) != len(past):
        raise ValueError(f"{run_dir}: the checkpoint holds {chain_epochs} epochs, the history {len(past)}")
    steps_into_epoch = round((chain_epochs - len(past)) * steps_per_epoch) if go_on else 0
    # Going on draws new batches, not its first epoch's again; an epoch cut mid-way gets a new order for its steps left.
    keras.utils.set_random_seed(len(past) + 1000 * steps_into_epoch if go_on else 0)
    earlier = bundled_training(bundle, "inpaint") if resume else {}
    compute_in(precision)
    gan = InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator(), l1_weight, line_weight)
    rate: float | keras.optimizers.schedules.LearningRateSchedule = 2e-4
    warmup_steps = 0
    if resume:
        gan.generator.set_weights(keras.saving.load_model(bundle / "inpaint.keras", compile=False).get_weights())
        if (run_dir / "discriminator.weights.h5").exists():
            gan.discriminator.load_weights(run_dir / "discriminator.weights.h5")
        else:
            warmup_steps = steps_per_epoch
            warmup_loss = warm_up_discriminator(gan, pairs_dataset(train, batch_size, True), warmup_steps)
            print(f"discriminator trained alone for {warmup_steps} steps: loss {warmup_loss:.3f}")
        steps = epochs * steps_per_epoch
        rate = keras.optimizers.schedules.PolynomialDecay(2e-4, steps, end_learning_rate=0.0, power=1.0)
        print(f"resuming inpaint after epoch {len(past)}: {epochs} more epochs, {steps} steps, rate 2e-4 -> 0")
    elif decay:
        steps = epochs * steps_per_epoch
        quiet = min(GOING_ON_QUIET_STEPS, steps_per_epoch // 2) if go_on else 0
        rate = HoldThenDecay(2e-4, steps // 2, steps - steps // 2, start=len(past) * steps_per_epoch + steps_into_epoch,
                             quiet=quiet)
    if go_on:
        load_weights_in_parts(gan.generator, run_dir / "checkpoint", "generator")
        load_weights_in_parts(gan.discriminator, run_dir / "checkpoint", "discriminator")
        print(f"going on from epoch {chain_epochs:g} of {epochs} ({chain_seconds / 3600:.1f} h so far)")
    gan.compile(keras.optimizers.Adam(rate, beta_1=0.5), keras.optimizers.Adam(rate, beta_1=0.5))
    samples = {key: val[key][:8] for key in ("masked", "region", "target")}
    session = SessionCheckpoint(gan, run_dir / "checkpoint", steps_per_epoch, 0 if go_on else len(past), chain_seconds,
                                steps_into_epoch, minutes, mid_epoch)
    callbacks = [SampleGrid(gan, samples, run_dir / "samples"), session,
                 HistoryLog(run_dir / "history.csv", append=bool(past) or go_on),
                 keras.callbacks.TensorBoard(run_dir / "tensorboard", update_freq="epoch")]
    train_pairs, val_pairs = pairs_dataset(train, batch_size, True), pairs_dataset(val, batch_size, False)
    first, last = len(past), epochs if go_on else len(past) + epochs
    start = time.time()
    try:
        if steps_into_epoch:
            gan.fit(train_pairs.take(steps_per_epoch - steps_into_epoch), validation_data=val_pairs,
                    initial_epoch=first, epochs=first + 1, callbacks=callbacks, verbose=2)
            first += 1
        if first < last and not (steps_into_epoch and session.out_of_time()):  # time left after the cut epoch
            gan.fit(train_pairs, validation_data=val_pairs, initial_epoch=first, epochs=last, callbacks=callbacks,
                    verbose=2)
    except OutOfTime as stop:
        print(stop)
    seconds = time.time() - start
    gan.discriminator.save_weights(run_dir / "discriminator.weights.h5")
    epochs_run, _ = read_checkpoint(run_dir / "checkpoint")
    stage = {**training_data(cache, train, len(val["source"])),
             "recipe": f"pix2pix: Adam 2e-4 beta1 0.5, generator loss = adversarial + {l1_weight:g} x L1 "
                       + (f"+ {line_weight:g} x L1 of the differences across averaged over {LINE_ROWS} rows " if line_weight else "")
                       + "inside the region (real pixels only)"
                       + (f"; each training region taken 0-{reach_up} px further up towards the eyes" if reach_up else "")
                       + (f"; each training region run on 0-{reach_down} px further down the neck" if reach_down else "")
                       + ("; rates decaying linearly to 0" if resume else "")
                       + ("; rates constant for half the epochs, then decaying linearly to 0" if decay and not resume else "")
                       + (f"; a fresh discriminator first trained alone for {warmup_steps} steps" if warmup_steps else ""),
             "precision": precision, "batch_size": batch_size, "epochs_run": epochs_run,
             "epochs_max": epochs, "time_budget_minutes": minutes,
             "final_val_l1": last_val_l1(run_dir),
             "seconds": round(chain_seconds + seconds, 1)}
    if go_on:
        stage["recipe"] += f"; run over several sessions, going on from its checkpoint with fresh Adam moments, filled by {quiet} steps at rate 0 (the last after epoch {chain_epochs:g})"
    if earlier:
        stage = {**stage, "epochs_run": earlier["epochs_run"] + stage["epochs_run"],
                 "seconds": round(earlier["seconds"] + seconds, 1), "continued_from": earlier}
    return save_bundle(nets.inpaint_generator, gan.generator, bundle, inpaint_spec(stage), storage="bfloat16")


def inpaint_spec(stage: dict) -> dict:
    """The JSON beside an ``inpaint`` generator, with ``stage`` (how it was trained) in it."""
    return {
        "name": "inpaint",
        "architecture": "pix2pix U-Net generator (4x4 stride-2 encoder to 4x4, upsample+conv decoder, GroupNorm), "
                        "trained against a PatchGAN discriminator",
        "input": {"size": 128, "channels": 4, "scale": "RGB / 255 with the mask region set to 0, then the region (0/1)",
                  "content": "masked face in the canonical frame, region from masknet grown by "
                             f"{REGION_GROWTH} px", "region_growth": REGION_GROWTH},
        "output": {"channels": 3, "scale": "sigmoid, x255 for uint8", "content": "face; only the region is used"},
        "needs": ["masknet"],
        "training": stage,
    }


def bundle_checkpoint(cache: Path, runs: Path, bundle: Path, command: str, recipe: str,
                      from_scratch: bool = False) -> Path:
    """Bundle the generator a cut-off ``fit inpaint`` left in its checkpoint (``SessionCheckpoint``:
    after its last epoch, or where ``mid_epoch`` stopped it), continuing the bundle's own training
    record (``from_scratch``: replacing it): what a session that ran out of time ships, hands on or
    scores halfway.
    ``command`` and ``recipe``: the fit that was cut off."""
    folder = runs / "inpaint" / "checkpoint"
    epochs, seconds = read_checkpoint(folder)
    generator = nets.inpaint_generator()
    load_weights_in_parts(generator, folder, "generator")
    earlier = {} if from_scratch else bundled_training(bundle, "inpaint")
    train, val = load_split(cache, "train"), load_split(cache, "val")
    stage = {**training_data(cache, train, len(val["source"])), "command": command,
             "recipe": recipe + f"; cut off after epoch {epochs:g}, bundled from its checkpoint",
             "epochs_run": earlier.get("epochs_run", 0) + epochs, "final_val_l1": last_val_l1(runs / "inpaint"),
             "seconds": round(earlier.get("seconds", 0.0) + seconds, 1)}
    if earlier:
        stage["continued_from"] = earlier
    return save_bundle(nets.inpaint_generator, generator, bundle, inpaint_spec(stage), storage="bfloat16")


def blend_inpaint(bundle: Path, towards: Path, weight: float) -> Path:
    """Replace the bundled generator by its weights moved ``weight`` of the way towards the
    generator in ``towards`` (a continuation of it): a weight-space ensemble (WiSE-FT, Wortsman
    et al. 2022). Continued on the newer renderer's masks the generator fills large masks better
    (higher PSNR and SSIM) but smooths mouths (detail ratio below 0.5); halfway keeps most of both."""
    specs = [json.loads((folder / "inpaint.json").read_text()) for folder in (bundle, towards)]
    before, after = (keras.saving.load_model(folder / "inpaint.keras", compile=False) for folder in (bundle, towards))
    before.set_weights([(1 - weight) * a.astype(np.float32) + weight * b.astype(np.float32)
                        for a, b in zip(before.get_weights(), after.get_weights())])
    spec = {key: value for key, value in specs[1].items() if key not in ("sha256", "metrics", "parameters")}
    spec["training"] = {**specs[1]["training"], "blend": {
        "weight": weight, "method": f"(1 - {weight:g}) x the generator before the last stage + {weight:g} x after it",
        "before_sha256": specs[0]["sha256"], "after_sha256": specs[1]["sha256"]}}
    return save_bundle(nets.inpaint_generator, before, bundle, spec, storage="bfloat16")


def region_loss(target, predicted):
    """Binary cross-entropy plus soft Dice: Dice keeps the thin straps from being ignored."""
    predicted = tf.cast(predicted, tf.float32)
    bce = keras.losses.binary_crossentropy(target, predicted)
    overlap = tf.reduce_sum(target * predicted, axis=[1, 2, 3])
    dice = 1 - (2 * overlap + 1) / (tf.reduce_sum(target, axis=[1, 2, 3]) + tf.reduce_sum(predicted, axis=[1, 2, 3]) + 1)
    return tf.reduce_mean(bce) + tf.reduce_mean(dice)


def fit_masknet(cache: Path, epochs: int, batch_size: int, precision: str, runs: Path, bundle: Path) -> Path:
    keras.utils.set_random_seed(0)
    run_dir = runs / "masknet"
    train, val = load_split(cache, "train"), load_split(cache, "val")
    compute_in(precision)
    model = nets.mask_segmenter()
    model.compile(keras.optimizers.Adam(1e-3), loss=region_loss, metrics=[keras.metrics.BinaryIoU(target_class_ids=[1], name="iou")])

    def dataset(data, training):
        ds = tf.data.Dataset.from_tensor_slices((data["masked"], data["region"][..., None]))
        if training:
            ds = ds.shuffle(len(data["masked"]), seed=0)
        ds = ds.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, tf.cast(y, tf.float32)))
        if training:
            ds = ds.map(lambda x, y: tuple(tf.cond(tf.random.uniform(()) < 0.5, lambda: (tf.reverse(x, [1]), tf.reverse(y, [1])),
                                                   lambda: (x, y))))
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    run_dir.mkdir(parents=True, exist_ok=True)
    start = time.time()
    history = model.fit(dataset(train, True), validation_data=dataset(val, False), epochs=epochs, verbose=2,
                        callbacks=[HistoryLog(run_dir / "history.csv", append=False)])
    seconds = time.time() - start
    spec = {
        "name": "masknet",
        "architecture": "small U-Net segmenter (16-32-64-128-256 filters, concatenated skips), sigmoid",
        "input": {"size": 128, "channels": 3, "scale": "RGB / 255", "content": "face in the canonical frame"},
        "output": {"channels": 1, "scale": "probability", "content": "where a mask covers the face (straps included)"},
        "training": {**training_data(cache, train, len(val["source"])), "recipe": "Adam 1e-3, BCE + Dice",
                     "precision": precision, "batch_size": batch_size, "epochs_run": epochs,
                     "val_iou": float(history.history["val_iou"][-1]), "seconds": round(seconds, 1)},
    }
    return save_bundle(nets.mask_segmenter, model, bundle, spec)
