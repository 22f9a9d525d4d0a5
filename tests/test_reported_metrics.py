"""The metrics in each bundled model's JSON come from those weights: recompute a few test images
from the raw faces (skipped where ../shared/data is not present)."""
from __future__ import annotations

import json

import pytest

from train import metrics, prepare
from train.evaluate import model_outputs
from unmask import weights

from .conftest import SHARED_DATA

FACES = SHARED_DATA / "faces"
pytestmark = pytest.mark.skipif(not (FACES / "utkface").is_dir(), reason="../shared/data is not here")


def source_file(name: str):
    """The face a spot check names, in whichever face folder holds it."""
    return next(path for path in (FACES / folder / name for folder in ("utkface", "aaf")) if path.exists())


@pytest.mark.parametrize("name", ["inpaint", "rgb2rgb"])
def test_spot_checks_match_the_committed_weights(name):
    spec = json.loads((weights.BUNDLED_DIR / f"{name}.json").read_text())
    checks = spec["metrics"]["spot_checks"]
    for check in checks:
        (pair,), _ = prepare.pairs_for_face(source_file(check["source"]), 1, spec["metrics"]["split_seed"])
        assert pair["kind"] == check["kind"]
        output = model_outputs(name, pair["masked"][None], weights.BUNDLED_DIR, pair["valid"][None])[0]
        # bfloat16 and float32 CPUs differ in the last bits: a few hundredths of a dB at most.
        scored = metrics.all_metrics(output, pair["target"], pair["region"], pair["valid"])
        assert scored["psnr_region"] == pytest.approx(check["psnr_region"], abs=0.1)
        assert scored["ssim_region"] == pytest.approx(check["ssim_region"], abs=0.005)
