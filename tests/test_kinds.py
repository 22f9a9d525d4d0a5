"""Model kinds: each refuses weights whose JSON disagrees with the code, and training builds the
same input, and grows regions the same way, as the app."""
from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from unmask import kinds, models, regions
from unmask.pipeline import Unmasker
from unmask.weights import BUNDLED_DIR, sha256_of


def bundle_copy(tmp_path, edit=None):
    """A copy of the bundled inpaint and masknet, inpaint's JSON changed by ``edit``."""
    for name in ("inpaint", "masknet"):
        for suffix in (".keras", ".json"):
            shutil.copy(BUNDLED_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    if edit:
        spec = json.loads((tmp_path / "inpaint.json").read_text())
        edit(spec)
        (tmp_path / "inpaint.json").write_text(json.dumps(spec))
    return tmp_path


def test_every_named_model_has_a_kind_that_builds_its_input():
    for name, info in models.MODELS.items():
        if info.output != "region":
            assert info.kind in kinds.KINDS, name
    assert set(kinds.kind_of("inpaint").needs) <= set(models.MODELS)


@pytest.mark.parametrize("edit, words", [
    (lambda spec: spec["input"].update(size=256), "frame is 256 px"),
    (lambda spec: spec["input"].update(channels=3), "says 3 input channels"),
    (lambda spec: spec["input"].update(region_growth=4), "grown by 4 px"),
    (lambda spec: spec["frame"].update(template=[[40, 48], [88, 48], [64, 66], [51, 84], [77, 84]]), "template"),
])
def test_a_json_that_disagrees_with_the_code_is_refused_at_load(tmp_path, edit, words):
    folder = bundle_copy(tmp_path, edit)
    with pytest.raises(kinds.SpecMismatch, match=words) as refused:
        Unmasker("inpaint", weights_dir=folder)
    assert "inpaint.json" in str(refused.value) and "python -m train all" in str(refused.value)


def test_the_bundled_json_agrees_with_the_code(tmp_path):
    unmasker = Unmasker("inpaint", weights_dir=bundle_copy(tmp_path))
    assert sha256_of(unmasker.model.weights.path) == unmasker.model.spec["sha256"]


def test_training_builds_the_input_the_app_builds():
    tf = pytest.importorskip("tensorflow")
    from train.gan import generator_input, grow

    rng = np.random.default_rng(0)
    face = rng.integers(0, 256, (2, 128, 128, 3), dtype=np.uint8)
    region = np.zeros((2, 128, 128, 1), np.uint8)
    region[:, 70:110, 30:100] = 1
    at_inference = kinds.Inpaint.model_input(face, region, 255).astype(np.float32) / 255
    in_training = generator_input(tf.constant(face, tf.float32) / 255, tf.constant(region, tf.float32)).numpy()
    np.testing.assert_allclose(in_training, at_inference, atol=1e-6)

    grown_in_training = grow(tf.constant(region, tf.float32)).numpy()[..., 0] > 0
    grown_by_the_app = regions.clean(region[..., 0] * 255, grow=kinds.REGION_GROWTH)
    assert (grown_in_training == grown_by_the_app).all()
    assert grown_by_the_app.sum() > region.sum()


def test_a_whole_face_model_redraws_the_lower_face_and_what_was_painted():
    kind = kinds.load("rgb2rgb")
    crops = np.full((1, 128, 128, 3), 120, np.uint8)
    painted = np.zeros((1, 128, 128), bool)
    painted[0, 10:20, 10:20] = True
    drawn = kind.generate(crops, painted=painted)
    assert drawn.regions is None and drawn.faces.shape == (1, 128, 128, 3)
    assert drawn.alphas[0, 15, 15] == 1 and drawn.alphas[0, 100, 64] > 0.9 and drawn.alphas[0, 5, 64] == 0
    assert cv2.countNonZero((drawn.alphas[0] > 0).astype(np.uint8)) < 128 * 128


def test_inpaint_draws_each_face_as_the_mean_of_it_and_its_mirror_image(unmasker):
    """``mirrored``: the generator's drawing of a face and of its mirror image, mirrored back and
    averaged; only the region is redrawn either way, and the webcam's one pass is the first of the two."""
    from unmask import io

    from .conftest import EXAMPLES

    kind = unmasker.kind
    crop = unmasker.pre_process(io.decode(EXAMPLES / "astronaut_surgical.jpg")).crops[0].pixels
    found = np.zeros((1, 128, 128), bool)
    found[0, 64:112, 30:90] = True  # off the middle: the mirror image's region lies elsewhere
    once = kind.redraw(crop[None], found, mirrored=False).faces[0].astype(float)
    mirror_found = found[:, :, ::-1].copy()
    mirror_once = kind.redraw(crop[None, :, ::-1].copy(), mirror_found, mirrored=False).faces[0, :, ::-1].astype(float)
    averaged = kind.redraw(crop[None], found).faces[0].astype(float)
    # Mirrored back, the mirror image's drawing covers the same region; outside it both keep the photo.
    # A network's output can move by a level with the batch it runs in (one crop or two), so 2.
    difference = np.abs(averaged - np.rint((once + mirror_once) / 2))[found[0]]
    assert difference.max() <= 2 and difference.mean() < 0.2
    assert (averaged[~found[0]] == crop[~found[0]]).all()
    assert np.abs(averaged - once)[found[0]].mean() > 1  # the mirror image's drawing counts
