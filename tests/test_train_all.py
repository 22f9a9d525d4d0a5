"""``python -m train all --quick`` rebuilds every shipped model from generated faces, the app loads
what it wrote, and ``photo-test`` scores it on whole returned photos."""
from __future__ import annotations

import json
import subprocess
import sys

import cv2
import pytest
from PIL import Image

from train import prepare
from train.recipe import KERAS_MODELS
from unmask import face_check, faces, weights
from unmask.pipeline import Unmasker

from .conftest import ROOT


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, astronaut):
    """A DATA folder shaped like ../shared/data: faces/utkface (tight 200 px crops, named
    AGE_GENDER_RACE_DATE) and faces/aaf (loose 300x340 photos with neck, named PERSON + A + AGE),
    all cut from the public-domain astronaut, shifted, scaled and mirrored."""
    root = tmp_path_factory.mktemp("data")
    for folder in ("utkface", "aaf"):
        (root / "faces" / folder).mkdir(parents=True)
    for i in range(10):
        top, left, size = 20 + 5 * i, 120 + 4 * i, 230 - 6 * i
        tight = astronaut[top : top + size, left : left + size]
        tight = tight[:, ::-1] if i % 2 else tight
        Image.fromarray(cv2.resize(tight, (200, 200), interpolation=cv2.INTER_AREA)).save(
            root / "faces" / "utkface" / f"{20 + 3 * i}_0_0_2017{i}.jpg.chip.jpg")
        loose = astronaut[max(top - 20, 0) : top + size + 60, max(left - 40, 0) : left + size + 30]
        loose = loose[:, ::-1] if i % 2 else loose
        Image.fromarray(cv2.resize(loose, (300, 340), interpolation=cv2.INTER_AREA)).save(
            root / "faces" / "aaf" / f"{i:05d}A{30 + i}.jpg")
    return root


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("rebuilt")
    command = [sys.executable, "-m", "train", "all", "--quick", "--data", str(data_dir), "--cache", str(out / "cache"),
               "--bundle", str(out / "weights"), "--runs", str(out / "runs"), "--reports", str(out / "reports"),
               "--precision", "float32"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_train_all_quick_writes_every_shipped_model_with_how_it_was_made(rebuilt, data_dir):
    for name in KERAS_MODELS:
        spec = json.loads((rebuilt / "weights" / f"{name}.json").read_text())
        assert spec["sha256"] == weights.sha256_of(rebuilt / "weights" / f"{name}.keras")
        training = spec["training"]
        assert training["command"].startswith("python -m train all --quick") and training["commit"]
        assert training["machine"]["cores"] >= 1 and "gpus" in training["machine"]
        assert training["split_seed"] == 0 and training["epochs_run"] >= 1
    both = json.loads((rebuilt / "weights" / "inpaint.json").read_text())["training"]
    assert both["folders"] == ["utkface", "aaf"] and set(both["faces_by_set"]) == {"utkface", "aaf"}
    assert json.loads((rebuilt / "weights" / "rgb2rgb.json").read_text())["training"]["folders"] == ["utkface"]
    assert "psnr_region" in json.loads((rebuilt / "weights" / "inpaint.json").read_text())["metrics"]


def test_train_all_quick_writes_the_face_check_the_detector_runs(rebuilt, astronaut):
    path = rebuilt / "weights" / "detector" / face_check.MODEL_FILE.name
    spec = json.loads(path.with_suffix(".json").read_text())
    assert spec["sha256"] == weights.sha256_of(path) and spec["training"]["command"].startswith("python -m train all --quick")
    assert spec["training_data"]["frames_with_a_face"] > 0 and spec["training_data"]["frames_without"] > 0
    assert 0 <= face_check.FaceCheck(path)(astronaut, faces.detect(astronaut)[0].keypoints) <= 1


def test_the_split_keeps_every_person_on_one_side(rebuilt):
    cache = rebuilt / "cache" / "utkface-aaf"
    train, test = prepare.load_split(cache, "train"), prepare.load_split(cache, "test")
    people = lambda split: {prepare.person_of(prepare.Path(name)) for name in split["source"]}  # noqa: E731
    assert people(train).isdisjoint(people(test))
    assert set(test["set"]) == {"utkface", "aaf"}


def test_the_app_loads_the_rebuilt_models(rebuilt, astronaut):
    unmasker = Unmasker("inpaint", weights_dir=rebuilt / "weights")
    assert unmasker.model.weights.path.parent == rebuilt / "weights"
    assert unmasker.kind.needed["masknet"].weights.path.parent == rebuilt / "weights"
    result = unmasker.unmask(astronaut)
    assert result.image.shape == astronaut.shape and len(result.faces) == 1


def test_photo_test_scores_returned_photos_at_every_scale(rebuilt, data_dir, tmp_path):
    from train.photo_test import photo_test

    overall = photo_test(data_dir, rebuilt / "cache" / "utkface-aaf", {"rebuilt": rebuilt / "weights"}, tmp_path,
                         scales=(1, 2), per_set=1)
    report = (tmp_path / "photo_test.md").read_text()
    assert "| rebuilt | 2x |" in report and "| telea |" in report and "## By set" in report
    assert overall["masked"]["mask_ghost"] == pytest.approx(1.0)  # the masked photo is its own mask
    rows = json.loads((tmp_path / "photo_test.json").read_text())["rows"]["rebuilt"]
    assert {row["scale"] for row in rows} == {"1x", "2x"} and all(row["found"] in (0.0, 1.0) for row in rows)
    sheet = cv2.imread(str(tmp_path / "photos_aaf_2x.png"))
    assert sheet is not None and sheet.shape[0] == 256  # one whole photo per row, 256 px high
