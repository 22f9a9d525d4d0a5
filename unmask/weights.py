"""Where a model file comes from, decided in one place.

1. an explicit path (its JSON must sit beside it);
2. else, when ``UNMASK_MODEL_REPO`` names a Hugging Face Hub repo, ``hf_hub_download`` at the
   pinned revision (cached in ``HF_HUB_CACHE``; ``HF_HUB_OFFLINE=1`` uses the cache only);
3. else, or when the Hub cannot be reached, the weights bundled in ``unmask/weights/``.

Every file is checked against the sha256 written in its JSON before it is loaded. A cached Hub
file that fails the check (truncated, corrupted) is downloaded once more; if that fails too, or
the Hub is offline, the bundled weights are used with one warning. Bundled weights that are
missing or corrupted stop the start-up with a ``WeightsError`` that says what to do.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).parent / "weights"
REPO_ENV = "UNMASK_MODEL_REPO"
REVISION_ENV = "UNMASK_MODEL_REVISION"
# The Hub tag `python -m train publish` creates; the app only ever loads this revision.
PINNED_REVISION = "v0.1"


class WeightsError(RuntimeError):
    """Weights are missing or do not match their JSON; the message says which and what to do."""


@dataclass(frozen=True)
class ResolvedWeights:
    path: Path
    spec: dict
    source: str  # "explicit", "hub <repo>@<revision>" or "bundled"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(model_path: Path, spec_path: Path, source: str) -> ResolvedWeights:
    if not model_path.is_file() or not spec_path.is_file():
        raise WeightsError(f"model weights not found: {model_path} (and its {spec_path.name}); restore them with "
                           "`git checkout -- unmask/weights`, rebuild them with `python -m train all`, or set UNMASK_MODEL_REPO")
    spec = json.loads(spec_path.read_text())
    actual = sha256_of(model_path)
    if actual != spec.get("sha256"):
        raise WeightsError(f"{model_path} does not match the sha256 in {spec_path.name} "
                           f"(file {actual[:12]}..., expected {str(spec.get('sha256'))[:12]}...): "
                           "the file is corrupted or was swapped; delete it and download or retrain it")
    return ResolvedWeights(model_path, spec, source)


def _from_hub(name: str, repo: str, revision: str) -> ResolvedWeights:
    """The Hub's files through its cache; a cached file that fails its sha256 is fetched once more."""
    from huggingface_hub import hf_hub_download

    def fetch(again: bool) -> ResolvedWeights:
        spec_path = Path(hf_hub_download(repo, f"{name}.json", revision=revision, force_download=again))
        model_path = Path(hf_hub_download(repo, f"{name}.keras", revision=revision, force_download=again))
        return _checked(model_path, spec_path, f"hub {repo}@{revision}")

    try:
        return fetch(again=False)
    except WeightsError as error:
        log.warning("%s; downloading %s again", error, name)
        return fetch(again=True)


def resolve(name: str, explicit: str | Path | None = None) -> ResolvedWeights:
    if explicit is not None:
        path = Path(explicit)
        return _checked(path, path.with_suffix(".json"), "explicit")
    repo = os.environ.get(REPO_ENV, "").strip()
    if repo:
        revision = os.environ.get(REVISION_ENV, "").strip() or PINNED_REVISION
        try:
            return _from_hub(name, repo, revision)
        except Exception as error:  # offline, missing, HTTP errors, a file still bad: all mean "not from the Hub"
            log.warning("could not get %s from the Hub (%s@%s: %s); using the bundled weights",
                        name, repo, revision, str(error).split(";")[0] if isinstance(error, WeightsError) else type(error).__name__)
    return _checked(BUNDLED_DIR / f"{name}.keras", BUNDLED_DIR / f"{name}.json", "bundled")
