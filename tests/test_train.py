"""The training package end to end on a tiny face folder made from the public-domain astronaut."""
from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import keras
import pytest
from PIL import Image

from train import prepare
from train.evaluate import evaluate
from train.fit import fit_seed_model, read_history
from unmask import masks, models, weights

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def faces_dir(tmp_path_factory, astronaut):
    """Eight UTKFace-style files: the astronaut's face cropped, shifted, scaled and mirrored."""
    folder = tmp_path_factory.mktemp("faces")
    for i in range(8):
        top, left, size = 20 + 6 * i, 120 + 5 * i, 230 - 8 * i
        face = astronaut[top : top + size, left : left + size]
        face = face[:, ::-1] if i % 2 else face
        Image.fromarray(cv2.resize(face, (200, 200), interpolation=cv2.INTER_AREA)).save(folder / f"{20 + 7 * i}_1_0_2017{i}.jpg.chip.jpg")
    return folder


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, faces_dir):
    out = tmp_path_factory.mktemp("cache")
    summary = prepare.prepare(faces_dir, out, prepare.SplitSizes(train=4, val=1, test=2), seed=3)
    return out, summary


def test_prepare_splits_by_file_and_draws_every_kind_for_training(prepared):
    out, summary = prepared
    train, val, test = (prepare.load_split(out, name) for name in ("train", "val", "test"))
    assert set(train["source"]).isdisjoint(test["source"]) and set(train["source"]).isdisjoint(val["source"])
    assert len(train["source"]) == 4 * summary["splits"]["train"]["faces"]
    assert sorted(set(train["kind"])) == ["black", "cloth", "kn95", "surgical"]
    assert train["masked"].shape[1:] == (128, 128, 3) and train["sketch"].shape[1:] == (128, 128)
    assert train["region"].dtype == bool and 0.1 < train["region"].mean() < 0.5
    assert train["valid"].dtype == bool and train["valid"].shape == train["region"].shape
    assert set(np.unique(test["age"])) <= {20 + 7 * i for i in range(8)}


def test_prepare_twice_gives_the_same_pixels(prepared, faces_dir, tmp_path):
    out, _ = prepared
    prepare.prepare(faces_dir, tmp_path, prepare.SplitSizes(train=4, val=1, test=2), seed=3)
    for name in ("train", "val", "test"):
        assert (out / f"{name}.npz").read_bytes() == (tmp_path / f"{name}.npz").read_bytes(), name


def test_fit_writes_weights_with_their_json_and_evaluate_scores_them(prepared, faces_dir, tmp_path):
    cache, _ = prepared
    bundle = tmp_path / "weights"
    path = fit_seed_model("rgb2sketch", cache, epochs=1, batch_size=4, precision="float32", runs=tmp_path / "runs", bundle=bundle)
    spec = json.loads((bundle / "rgb2sketch.json").read_text())
    assert spec["sha256"] == weights.sha256_of(path) and spec["parameters"] == 1_947_361
    assert spec["training"]["epochs_run"] == 1 and spec["frame"]["size"] == 128
    model = models.FaceModel("rgb2sketch", path)
    assert model.predict(np.zeros((2, 128, 128, 3), np.uint8)).shape == (2, 128, 128, 1)

    summary = evaluate(cache, ["rgb2sketch"], tmp_path / "reports", update_json=True, weights_dir=bundle,
                       runs=tmp_path / "runs", real_dir=faces_dir)
    report = (tmp_path / "reports" / "evaluation.md").read_text()
    assert "| telea |" in report and "| rgb2sketch |" in report and "per age band" in report and "detail_ratio" in report
    assert (tmp_path / "reports" / "rgb2sketch" / "test_grid.png").exists()
    assert (tmp_path / "reports" / "rgb2sketch" / "loss.png").exists()
    assert (tmp_path / "reports" / "real_masked.png").exists() and "8 real photos" in report
    assert any((tmp_path / "runs" / "rgb2sketch" / "tensorboard").rglob("*tfevents*"))
    updated = json.loads((bundle / "rgb2sketch.json").read_text())
    assert updated["metrics"]["psnr_face"] == round(summary["rgb2sketch"]["psnr_face"], 4)

    first_seconds = updated["training"]["seconds"]
    fit_seed_model("rgb2sketch", cache, epochs=2, batch_size=4, precision="float32", runs=tmp_path / "runs", bundle=bundle,
                   resume=True)
    resumed = json.loads((bundle / "rgb2sketch.json").read_text())["training"]
    history = (tmp_path / "runs" / "rgb2sketch" / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == ["0", "1"]  # one CSV, epochs numbered on
    assert resumed["epochs_run"] == 2 and resumed["seconds"] > first_seconds


def test_masks_running_off_a_tight_crop_continue_into_its_border_streaks(astronaut, astronaut_face, tmp_path):
    """Real tight crops cut masks off at the edge, and the frame replicates that edge downwards:
    training pairs are drawn before aligning so they look the same, region included."""
    mouth_y = int(astronaut_face.landmarks[3:, 1].mean())
    tight = astronaut[: mouth_y + 12, 150:300]
    path = tmp_path / "30_1_0_20170101.jpg.chip.jpg"
    Image.fromarray(np.ascontiguousarray(tight)).save(path)
    pairs, reason = prepare.pairs_for_face(path, "all", 0)
    assert reason == "ok" and len(pairs) == len(masks.MASKS)
    for pair in pairs:
        valid, region, masked = pair["valid"], pair["region"], pair["masked"].astype(int)
        checked, changed = 0, []
        for x in range(40, 88):  # the mask's body, not the straps that run off sideways
            rows = np.flatnonzero(valid[:, x])
            last = rows.max() - 1 if len(rows) else 127  # the column's last row of photo pixels
            if last > 110 or not region[last, max(x - 8, 0) : x + 9].all():  # well inside the mask
                continue
            checked += 1
            assert region[last + 3 :, x].all(), (pair["kind"], x)
            changed.append(np.abs(masked[last + 3 :, x] - pair["target"][last + 3 :, x].astype(int)).mean())
        # The streaks below are the mask's colour, not the skin the unmasked target has there.
        assert np.mean(changed) > 5, pair["kind"]
        assert checked > 10, pair["kind"]


@pytest.mark.skipif(not (SHARED_DATA / "faces" / "utkface").is_dir(), reason="../shared/data is not here")
def test_real_faces_align_when_the_data_is_present():
    files = prepare.list_images(SHARED_DATA / "faces" / "utkface")[:5]
    crops = [prepare.align_face(path)[0] for path in files]
    assert sum(crop is not None for crop in crops) >= 4


def test_mask_aware_models_train_and_keep_every_real_pixel(prepared, tmp_path):
    import tensorflow as tf

    from train import gan, nets

    cache, _ = prepared
    bundle, runs = tmp_path / "weights", tmp_path / "runs"
    for fit, name, channels in ((gan.fit_masknet, "masknet", 1), (gan.fit_inpaint, "inpaint", 3)):
        path = fit(cache, epochs=1, batch_size=4, precision="float32", runs=runs, bundle=bundle)
        spec = json.loads((bundle / f"{name}.json").read_text())
        assert spec["sha256"] == weights.sha256_of(path)
        model = models.FaceModel(name, path)
        assert model.predict(np.zeros((1, 128, 128, model.input_channels), np.uint8)).shape == (1, 128, 128, channels)
    assert (runs / "inpaint" / "samples" / "epoch_001.png").exists()
    first = json.loads((bundle / "inpaint.json").read_text())["training"]
    before = tmp_path / "before"
    shutil.copytree(bundle, before)
    gan.fit_inpaint(cache, epochs=1, batch_size=4, precision="float32", runs=runs, bundle=bundle, resume=True,
                    l1_weight=30, line_weight=100, reach_up=12, reach_down=16)
    resumed = json.loads((bundle / "inpaint.json").read_text())["training"]
    assert "adversarial + 30 x L1 + 100 x L1 of the differences across" in resumed["recipe"]
    assert "region taken 0-12 px further up" in resumed["recipe"] and "run on 0-16 px further down" in resumed["recipe"]
    assert resumed["epochs_run"] == 2 and resumed["continued_from"]["epochs_run"] == first["epochs_run"] == 1
    assert (runs / "inpaint" / "samples" / "epoch_002.png").exists() and (runs / "inpaint" / "discriminator.weights.h5").exists()
    # A fit cut off by the session's end: its last epoch's checkpoint is bundled onto the bundle it continued.
    cut = tmp_path / "cut"
    shutil.copytree(before, cut)
    gan.bundle_checkpoint(cache, runs, cut, "python -m train fit inpaint --resume", "as above")
    spec = json.loads((cut / "inpaint.json").read_text())
    assert spec["sha256"] == weights.sha256_of(cut / "inpaint.keras")
    assert spec["training"]["epochs_run"] == 2 and spec["training"]["continued_from"]["epochs_run"] == 1
    assert "cut off after epoch 1" in spec["training"]["recipe"] and spec["training"]["command"].startswith("python -m train fit")
    for a, b in zip(keras.saving.load_model(cut / "inpaint.keras", compile=False).get_weights(),
                    keras.saving.load_model(bundle / "inpaint.keras", compile=False).get_weights()):
        assert np.array_equal(a, b)
    summary = evaluate(cache, ["inpaint"], tmp_path / "reports", update_json=True, weights_dir=bundle, runs=runs)
    report = (tmp_path / "reports" / "evaluation.md").read_text()
    assert "Finding the mask (masknet)" in report and "| inpaint |" in report
    assert 0 <= summary["masknet"]["iou"] <= 1 and summary["inpaint"]["identity"] >= 0
    assert json.loads((bundle / "masknet.json").read_text())["metrics"]["iou"] == round(summary["masknet"]["iou"], 4)

    test = prepare.load_split(cache, "test")
    trained = gan.InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator())
    masked = tf.constant(test["masked"].astype(np.float32) / 255)
    region = tf.constant(test["region"][..., None].astype(np.float32))
    _, _, composite = trained.complete(masked, region)
    outside = ~gan.grow(region).numpy()[..., 0].astype(bool)
    assert np.allclose(composite.numpy()[outside], masked.numpy()[outside])
    # Blending moves the generator part of the way towards its continuation.
    continued = keras.saving.load_model(bundle / "inpaint.keras", compile=False).get_weights()
    start = keras.saving.load_model(before / "inpaint.keras", compile=False).get_weights()
    blended_path = gan.blend_inpaint(before, bundle, 0.25)
    spec = json.loads((before / "inpaint.json").read_text())
    assert spec["sha256"] == weights.sha256_of(blended_path) and spec["training"]["blend"]["weight"] == 0.25
    blended = keras.saving.load_model(blended_path, compile=False).get_weights()
    for a, b, mixed in zip(start, continued, blended):
        expected = 0.75 * a.astype(np.float32) + 0.25 * b.astype(np.float32)
        assert np.allclose(mixed.astype(np.float32), expected, rtol=1e-2, atol=1e-3)


def test_training_from_scratch_goes_on_from_its_checkpoint_on_the_same_schedule(prepared, tmp_path, monkeypatch):
    """A run from scratch that one session cannot finish: cut off after its first epoch, it goes
    on from the checkpoint in a later session, up to its epochs in all."""
    from train import gan

    loaded = []
    load_weights = gan.load_weights_in_parts
    monkeypatch.setattr(gan, "load_weights_in_parts", lambda model, folder, stem: loaded.append(stem) or load_weights(model, folder, stem))

    cache, _ = prepared
    runs, bundle = tmp_path / "runs", tmp_path / "weights"
    fit = dict(epochs=3, batch_size=4, precision="float32", runs=runs, bundle=bundle, decay=True)
    with pytest.raises(FileNotFoundError):
        gan.fit_inpaint(cache, go_on=True, **fit)  # nothing to go on from yet
    gan.fit_inpaint(cache, minutes=0, **fit)  # the time budget stops it after epoch 1
    cut = runs / "inpaint" / "checkpoint"
    assert gan.read_checkpoint(cut)[0] == 1 and len(read_history(runs / "inpaint" / "history.csv")) == 1

    def generator_bytes() -> bytes:
        return b"".join(path.read_bytes() for path in gan.weight_parts(cut, "generator"))

    first_epoch = generator_bytes()
    gan.fit_inpaint(cache, go_on=True, **fit)
    assert loaded == ["generator", "discriminator"]  # both networks from epoch 1's checkpoint
    history = read_history(runs / "inpaint" / "history.csv")
    assert [row["epoch"] for row in history] == [0, 1, 2]
    assert gan.read_checkpoint(cut)[0] == 3 and generator_bytes() != first_epoch
    assert (runs / "inpaint" / "samples" / "epoch_003.png").exists()
    training = json.loads((bundle / "inpaint.json").read_text())["training"]
    assert training["epochs_run"] == 3 and "going on from its checkpoint" in training["recipe"]
    with pytest.raises(ValueError, match="3 of its 3 epochs"):
        gan.fit_inpaint(cache, go_on=True, **fit)
    # Bundled halfway to be scored, its record is its own, not the bundle's it lands in.
    gan.bundle_checkpoint(cache, runs, bundle, "python -m train fit inpaint --decay --go-on", "as above", from_scratch=True)
    training = json.loads((bundle / "inpaint.json").read_text())["training"]
    assert training["epochs_run"] == 3 and "continued_from" not in training
    # The schedule that goes on at step 10 gives each step the rate the whole run gives it, but
    # for its quiet first steps, which fill Adam's fresh moments at rate 0.
    whole, going_on = gan.HoldThenDecay(2e-4, 6, 6), gan.HoldThenDecay(2e-4, 6, 6, start=10, quiet=1)
    assert float(whole(1)) > 0 and float(going_on(0)) == 0
    assert [float(going_on(step)) for step in (1, 2)] == [float(whole(step)) for step in (11, 12)]


def test_training_cut_mid_epoch_goes_on_at_the_step_it_stopped(prepared, tmp_path, monkeypatch):
    """A session whose time runs out partway through an epoch keeps the steps it took; the next
    finishes that epoch with the steps left, at the rates the whole run gives those steps."""
    from train import gan

    steps_taken, schedules = [], []
    count_step, hold_then_decay = gan.SessionCheckpoint.on_train_batch_end, gan.HoldThenDecay
    monkeypatch.setattr(gan.SessionCheckpoint, "on_train_batch_end",
                        lambda self, batch, logs=None: steps_taken.append(batch) or count_step(self, batch, logs))
    monkeypatch.setattr(gan, "HoldThenDecay", lambda *args, **kwargs: schedules.append(kwargs) or hold_then_decay(*args, **kwargs))

    cache, _ = prepared
    runs, bundle = tmp_path / "runs", tmp_path / "weights"
    steps_per_epoch = -(-len(prepare.load_split(cache, "train")["masked"]) // 4)
    assert steps_per_epoch > 1
    fit = dict(epochs=2, batch_size=4, precision="float32", runs=runs, bundle=bundle, decay=True)
    with pytest.raises(ValueError, match="give minutes"):
        gan.fit_inpaint(cache, mid_epoch=True, **fit)
    gan.fit_inpaint(cache, minutes=0, mid_epoch=True, **fit)  # out of time after its first step
    cut = runs / "inpaint" / "checkpoint"
    assert len(steps_taken) == 1 and gan.read_checkpoint(cut)[0] == pytest.approx(1 / steps_per_epoch, abs=1e-6)
    assert read_history(runs / "inpaint" / "history.csv") == []  # no epoch ended
    training = json.loads((bundle / "inpaint.json").read_text())["training"]
    assert training["epochs_run"] == pytest.approx(1 / steps_per_epoch, abs=1e-6) and training["final_val_l1"] is None

    steps_taken.clear()
    gan.fit_inpaint(cache, go_on=True, **fit)
    assert len(steps_taken) == 2 * steps_per_epoch - 1  # the rest of epoch 1, then epoch 2
    assert schedules[-1]["start"] == 1 and schedules[-1]["quiet"] > 0
    assert [row["epoch"] for row in read_history(runs / "inpaint" / "history.csv")] == [0, 1]
    assert gan.read_checkpoint(cut)[0] == 2
    training = json.loads((bundle / "inpaint.json").read_text())["training"]
    assert training["epochs_run"] == 2 and f"(the last after epoch {1 / steps_per_epoch:g})" in training["recipe"]


def test_a_checkpoint_is_kept_in_files_a_space_takes_without_lfs_and_loads_back_exactly(tmp_path):
    from train import gan, nets

    generator = nets.inpaint_generator()
    gan.save_weights_in_parts(generator, tmp_path, "generator")
    parts = gan.weight_parts(tmp_path, "generator")
    assert len(parts) > 1 and all(path.stat().st_size < 10_000_000 for path in parts)
    restored = nets.inpaint_generator()
    gan.load_weights_in_parts(restored, tmp_path, "generator")
    assert all(np.array_equal(a, b) for a, b in zip(generator.get_weights(), restored.get_weights()))
    # Saved again in fewer parts, the parts left over from before are gone.
    (tmp_path / "generator.part9.npz").write_bytes(b"stale")
    gan.save_weights_in_parts(generator, tmp_path, "generator")
    assert gan.weight_parts(tmp_path, "generator") == parts


def test_discriminator_warm_up_trains_the_discriminator_alone(prepared):
    from train import gan, nets

    cache, _ = prepared
    pairs = prepare.load_split(cache, "train")
    model = gan.InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator())
    generator_before = [w.copy() for w in model.generator.get_weights()]
    discriminator_before = [w.copy() for w in model.discriminator.get_weights()]
    loss = gan.warm_up_discriminator(model, gan.pairs_dataset(pairs, 4, True), steps=3)
    assert np.isfinite(loss)
    assert all(np.array_equal(a, b) for a, b in zip(generator_before, model.generator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(discriminator_before, model.discriminator.get_weights()))


def test_the_discriminator_never_sees_pixels_from_outside_the_photo(prepared):
    """Border streaks of tight crops must not count as what real faces look like."""
    import tensorflow as tf

    from train import gan, nets

    cache, _ = prepared
    test = prepare.load_split(cache, "test")
    model = gan.InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator())
    masked = tf.constant(test["masked"][:2].astype(np.float32) / 255)
    target = test["target"][:2].astype(np.float32) / 255
    region = tf.constant(test["region"][:2, ..., None].astype(np.float32))
    valid = np.ones((2, 128, 128, 1), np.float32)
    valid[:, 100:] = 0  # the bottom rows came from the border, not the photo
    condition, _, composite = model.complete(masked, region)
    streaked = target.copy()
    streaked[:, 100:] = np.random.default_rng(0).random(streaked[:, 100:].shape)
    clean, _ = model.judge(condition, tf.constant(target), composite, tf.constant(valid))
    changed, _ = model.judge(condition, tf.constant(streaked), composite, tf.constant(valid))
    assert np.array_equal(clean.numpy(), changed.numpy())
    seen, _ = model.judge(condition, tf.constant(streaked), composite, tf.ones_like(valid))
    assert not np.array_equal(clean.numpy(), seen.numpy())


def test_the_line_loss_charges_a_vertical_line_more_than_texture_of_the_same_l1():
    """The lines the GAN drew down from the mouth corners cost more than skin-like noise, and
    nothing outside the region's photo pixels counts."""
    import tensorflow as tf

    from train import gan, nets

    model = gan.InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator())
    target = tf.zeros((1, 64, 64, 3))
    region, valid = np.zeros((1, 64, 64, 1), np.float32), np.ones((1, 64, 64, 1), np.float32)
    region[:, 16:48, 16:48] = 1
    line = np.zeros((1, 64, 64, 3), np.float32)
    line[:, 18:46, 32] = 0.5
    texture = np.random.default_rng(0).normal(0, 0.1, (1, 64, 64, 3)).astype(np.float32)

    def charges(image, valid=valid):
        args = (tf.constant(image), target, gan.counted(tf.constant(region), tf.constant(valid)))
        return float(model.line_l1(*args)), float(model.l1(*args))

    (line_cost, line_l1), (texture_cost, texture_l1) = charges(line), charges(texture)
    assert line_cost / line_l1 > 3 * texture_cost / texture_l1
    outside_photo = valid.copy()
    outside_photo[:, :, 30:35] = 0
    assert charges(line, outside_photo) == (0.0, 0.0)


def test_training_regions_reach_up_towards_the_eyes_but_never_over_them():
    """Each region is taken up by its own random 0..most px, above its top edge only, in the
    columns it covers above the mouth, never above the eye line; the same seed, the same regions."""
    from train import gan
    from unmask import frame

    region = np.zeros((200, frame.SIZE, frame.SIZE), bool)
    region[:, 66:112, 22:106] = True  # a mask's body, its top edge under the nose
    region[:, 112:120, 10:20] = True  # a strap below the mouth: its columns keep their top
    reached = gan.reached(region, 12)
    assert reached[region].all()  # it only ever adds
    added = reached & ~region
    rows_added = added[:, :, 60].sum(axis=1)
    assert rows_added.min() == 0 and rows_added.max() == 12 and len(set(rows_added)) == 13
    assert np.array_equal(added.any(axis=1), np.repeat(rows_added[:, None] > 0, frame.SIZE, 1) & region[:, :80].any(axis=1))
    assert not added[:, 66:].any() and not added[:, :, :22].any() and not added[:, :, 106:].any()
    high = np.zeros_like(region[:1])
    high[:, frame.EYE_CLEARANCE_ROW + 3 : 100, 40:90] = True
    assert not gan.reached(high, 12, seed=1)[:, : frame.EYE_CLEARANCE_ROW].any()
    assert np.array_equal(gan.reached(region, 12), reached)


def test_training_regions_run_on_down_the_neck_below_their_bottom_edge_only():
    """Each region runs on by its own random 0..most px below its bottom edge, in the columns it
    covers, and nowhere else; the same seed, the same regions."""
    from train import gan
    from unmask import frame

    region = np.zeros((200, frame.SIZE, frame.SIZE), bool)
    region[:, 66:100, 22:106] = True
    down = gan.reached_down(region, 24)
    assert down[region].all()
    added = down & ~region
    rows_added = added[:, :, 60].sum(axis=1)
    assert rows_added.min() == 0 and rows_added.max() == 24 and len(set(rows_added)) == 25
    assert not added[:, :100].any() and not added[:, :, :22].any() and not added[:, :, 106:].any()
    assert np.array_equal(added[:, 100:].any(axis=(1, 2)), rows_added > 0)
    edge = np.zeros_like(region[:1])
    edge[:, 110:, 30:90] = True  # a region already at the frame's bottom stays inside the frame
    assert gan.reached_down(edge, 24).shape == edge.shape
    assert np.array_equal(gan.reached_down(region, 24), down)


def test_the_neck_test_scores_only_faces_with_a_neck_under_the_mask():
    """Regions run on down the neck are scored where the photo goes on below the mask, and only there."""
    from train.evaluate import neck_test
    from unmask import weights

    rng = np.random.default_rng(0)
    faces = 3
    target = np.clip(rng.normal(150, 30, (faces, 128, 128, 3)), 0, 255).astype(np.uint8)
    region = np.zeros((faces, 128, 128), bool)
    region[:, 70:100, 30:98] = True
    valid = np.ones_like(region)
    valid[2, 100:] = False  # a tight crop: border streaks under the mask
    masked = np.where(region[..., None], 90, target).astype(np.uint8)
    test = {"masked": masked, "target": target, "region": region, "valid": valid}
    scores = neck_test(test, ["inpaint"], weights.BUNDLED_DIR)
    assert scores["telea"]["faces"] == scores["inpaint"]["faces"] == 2
    assert all(np.isfinite(v["psnr_neck"]) and np.isfinite(v["psnr_region"]) for v in scores.values())
    valid[:, 100:] = False
    assert neck_test(test, ["inpaint"], weights.BUNDLED_DIR) == {}


def test_the_history_widens_its_columns_when_a_resumed_run_logs_a_new_term(tmp_path):
    from train.fit import HistoryLog, read_history

    path = tmp_path / "history.csv"
    for epoch, append, logs in ((0, False, {"g_l1": 0.5, "val_g_l1": 0.6}), (1, True, {"g_l1": 0.4, "g_line": 0.1, "val_g_l1": 0.55})):
        log = HistoryLog(path, append)
        log.on_train_begin()
        log.on_epoch_end(epoch, logs)
    assert read_history(path) == [{"epoch": 0, "g_l1": 0.5, "val_g_l1": 0.6},
                                  {"epoch": 1, "g_l1": 0.4, "g_line": 0.1, "val_g_l1": 0.55}]
    fresh = HistoryLog(path, append=False)
    fresh.on_train_begin()
    fresh.on_epoch_end(0, {"g_l1": 0.3})
    assert read_history(path) == [{"epoch": 0, "g_l1": 0.3}]


def test_training_precision_auto_takes_bfloat16_only_where_it_is_fast(monkeypatch):
    from train import fit

    monkeypatch.setattr(fit.tf.config, "list_physical_devices", lambda kind=None: [])
    monkeypatch.setattr(fit, "cpu_has_fast_bfloat16", lambda: True)
    assert fit.training_precision("auto") == "bfloat16"
    monkeypatch.setattr(fit, "cpu_has_fast_bfloat16", lambda: False)
    assert fit.training_precision("auto") == "float32"
    assert fit.training_precision("bfloat16") == "bfloat16"
    monkeypatch.setattr(fit.tf.config, "list_physical_devices", lambda kind=None: ["GPU:0"])
    assert fit.training_precision("auto") == "bfloat16"
