"""Weight resolution: bundled, explicit, through a local Hub cache offline, and refusal of bad files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from unmask import weights

from .conftest import ROOT

RESOLVE = "from unmask.weights import resolve; r = resolve('rgb2rgb'); print(r.source); print(r.path)"


def resolve_in_subprocess(env_updates: dict) -> subprocess.CompletedProcess:
    """huggingface_hub reads HF_HUB_OFFLINE and HF_HUB_CACHE at import: use a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "UNMASK_"))}
    env.update(env_updates)
    return subprocess.run([sys.executable, "-c", RESOLVE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def fake_hub_cache(cache, repo: str, revision: str, commit: str = "a" * 40) -> None:
    """Lay out a Hub cache as hf_hub_download leaves it: refs/<revision> -> snapshots/<commit>/files."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / revision).write_text(commit)
    snapshot = folder / "snapshots" / commit
    snapshot.mkdir(parents=True)
    for name in ("rgb2rgb.keras", "rgb2rgb.json"):
        shutil.copy(weights.BUNDLED_DIR / name, snapshot / name)


def test_bundled_weights_match_their_json():
    for name in ("rgb2rgb", "rgb2sketch"):
        resolved = weights.resolve(name)
        assert resolved.source == "bundled"
        assert resolved.spec["sha256"] == weights.sha256_of(resolved.path)
        assert resolved.path.stat().st_size < 10_000_000
        for key in ("architecture", "frame", "training", "metrics", "parameters"):
            assert key in resolved.spec


def test_hub_download_served_from_the_local_cache_offline(tmp_path):
    fake_hub_cache(tmp_path, "someone/unmask-models", weights.PINNED_REVISION)
    done = resolve_in_subprocess({"HF_HUB_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1",
                                  "UNMASK_MODEL_REPO": "someone/unmask-models"})
    assert done.returncode == 0, done.stderr
    source, path = done.stdout.splitlines()[-2:]
    assert source == f"hub someone/unmask-models@{weights.PINNED_REVISION}"
    assert path.startswith(str(tmp_path))


def test_missing_revision_falls_back_to_bundled_with_one_warning(tmp_path):
    fake_hub_cache(tmp_path, "someone/unmask-models", "some-other-tag")
    done = resolve_in_subprocess({"HF_HUB_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1",
                                  "UNMASK_MODEL_REPO": "someone/unmask-models"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "bundled"
    assert "using the bundled weights" in done.stderr


def test_swapped_file_is_refused_by_its_sha256(tmp_path):
    shutil.copy(weights.BUNDLED_DIR / "rgb2sketch.keras", tmp_path / "rgb2rgb.keras")
    shutil.copy(weights.BUNDLED_DIR / "rgb2rgb.json", tmp_path / "rgb2rgb.json")
    with pytest.raises(weights.WeightsError, match="sha256"):
        weights.resolve("rgb2rgb", tmp_path / "rgb2rgb.keras")


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(weights.WeightsError, match="not found"):
        weights.resolve("rgb2rgb", tmp_path / "rgb2rgb.keras")


def test_explicit_path_is_used_as_given(tmp_path):
    for suffix in (".keras", ".json"):
        shutil.copy(weights.BUNDLED_DIR / f"rgb2rgb{suffix}", tmp_path / f"mine{suffix}")
    resolved = weights.resolve("rgb2rgb", tmp_path / "mine.keras")
    assert resolved.source == "explicit" and resolved.path == tmp_path / "mine.keras"
    assert json.loads((tmp_path / "mine.json").read_text())["name"] == "rgb2rgb"


def test_unreachable_hub_falls_back_to_bundled(tmp_path):
    # Online mode, but the Hub endpoint is a closed port on this machine: the download fails fast.
    done = resolve_in_subprocess({"HF_HUB_CACHE": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9",
                                  "HF_HUB_ETAG_TIMEOUT": "2", "HF_HUB_DOWNLOAD_TIMEOUT": "2",
                                  "UNMASK_MODEL_REPO": "someone/unmask-models"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "bundled"
    assert done.stderr.count("using the bundled weights") == 1


def corrupt_cached(cache, repo: str, name: str = "rgb2rgb.keras", keep: int = 1000) -> None:
    """Truncate a cached Hub file, as a download cut off half way leaves it."""
    folder = cache / f"models--{repo.replace('/', '--')}" / "snapshots"
    path = next(folder.rglob(name))
    path.write_bytes(path.read_bytes()[:keep])


def test_a_truncated_cached_file_offline_falls_back_to_bundled_with_a_warning(tmp_path):
    fake_hub_cache(tmp_path, "someone/unmask-models", weights.PINNED_REVISION)
    corrupt_cached(tmp_path, "someone/unmask-models")
    done = resolve_in_subprocess({"HF_HUB_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1",
                                  "UNMASK_MODEL_REPO": "someone/unmask-models"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "bundled"
    assert "downloading rgb2rgb again" in done.stderr and "using the bundled weights" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_corrupted_cached_file_is_downloaded_again(tmp_path, monkeypatch):
    """The first cached copy fails its sha256: the second, forced download is used."""
    fake_hub_cache(tmp_path, "someone/unmask-models", weights.PINNED_REVISION)
    good = tmp_path / "good.keras"
    snapshot = next((tmp_path / "models--someone--unmask-models" / "snapshots").iterdir())
    shutil.copy(snapshot / "rgb2rgb.keras", good)
    corrupt_cached(tmp_path, "someone/unmask-models")
    calls = []

    def fake_download(repo, filename, revision=None, force_download=False):
        calls.append((filename, force_download))
        if force_download and filename.endswith(".keras"):
            shutil.copy(good, snapshot / filename)  # what a fresh download writes into the cache
        return str(snapshot / filename)

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    monkeypatch.setenv(weights.REPO_ENV, "someone/unmask-models")
    resolved = weights.resolve("rgb2rgb")
    assert resolved.source.startswith("hub someone/unmask-models")
    assert ("rgb2rgb.keras", True) in calls and weights.sha256_of(resolved.path) == resolved.spec["sha256"]


def test_offline_with_an_empty_cache_uses_the_bundled_weights(tmp_path):
    done = resolve_in_subprocess({"HF_HUB_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1",
                                  "UNMASK_MODEL_REPO": "someone/unmask-models"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "bundled" and done.stderr.count("using the bundled weights") == 1


def test_missing_bundled_weights_stop_the_app_with_one_line(tmp_path):
    """A checkout without its weights: ``python app.py`` says what to do in one line and exits 1."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", "build", "runs", ".gradio", "*.keras", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "UNMASK_"))}
    done = subprocess.run([sys.executable, "app.py"], cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "model weights not found" in lines[0] and "python -m train all" in lines[0], done.stderr
