"""``python -m train publish --dry-run`` builds the exact folder that would be uploaded."""
from __future__ import annotations

import subprocess
import sys

from huggingface_hub import ModelCard

from unmask import weights

from .conftest import ROOT


def test_dry_run_builds_weights_json_and_model_card(tmp_path):
    out = tmp_path / "publish"
    done = subprocess.run([sys.executable, "-m", "train", "publish", "--repo-id", "someone/unmask", "--dry-run",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "dry run" in done.stdout and weights.PINNED_REVISION in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "rgb2rgb.json", "rgb2rgb.keras", "rgb2sketch.json", "rgb2sketch.keras"]
    for name in ("rgb2rgb", "rgb2sketch"):
        assert weights.sha256_of(out / f"{name}.keras") == weights.sha256_of(weights.BUNDLED_DIR / f"{name}.keras")
    card = ModelCard.load(out / "README.md")
    assert card.data.license == "other" and "UTKFace" in card.data.datasets
    assert "non-commercial research only" in card.text and "synthesized guess" in card.text
    assert "| `rgb2rgb` |" in card.text
