"""Publish the bundled models to the Hugging Face Hub, with a model card, at the revision the app pins.

``python -m train publish --repo-id OWNER/NAME [--dry-run]`` builds the exact folder that is
uploaded (weights, their JSON, README.md model card); ``--dry-run`` stops there and prints it.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

from unmask import models, weights

CARD_TEMPLATE = """---
{{ card_data }}
---

# unmask models

Models behind unmask, the app that shows a plausible face under a face mask.
**Every output is a synthesized guess, not the person's real face.** Do not use these models to
identify anyone.

| model | what | parameters | epochs | test PSNR face / region (dB) | test SSIM face / region |
| --- | --- | --- | --- | --- | --- |
{{ model_rows }}

Inputs are 128x128 RGB face crops in unmask's canonical frame (five landmarks on a fixed
template, see `frame` in each JSON); load with `keras.saving.load_model(path, safe_mode=True)`
and scale pixels to [0, 1]. Each `.keras` file has a JSON beside it with its architecture,
frame, training data, metrics and sha256.

## Training data

Faces from UTKFace ("crop_part1"), licensed for **non-commercial research only**, with synthetic
masks drawn by unmask's renderer (black, surgical, cloth, KN95). The test split is held out by
file with a fixed seed. Metrics are on that split: {{ test_split }}.

## Intended use and limits

A demonstration of image inpainting: what a face might look like without its mask. The models
invent the nose, mouth and chin from what they saw in training: the result can look like a
different person, and it reflects the biases of a small web-scraped face set (ages, skin tones,
expressions). Not for identification, surveillance or any decision about a person.
"""


def model_rows(specs: list[dict]) -> str:
    rows = []
    for spec in specs:
        m = spec.get("metrics", {})
        psnr = f"{m.get('psnr_face', float('nan')):.2f} / {m.get('psnr_region', float('nan')):.2f}"
        ssim = f"{m.get('ssim_face', float('nan')):.4f} / {m.get('ssim_region', float('nan')):.4f}"
        rows.append(f"| `{spec['name']}` | {models.MODELS[spec['name']].summary} | {spec['parameters']:,} | "
                    f"{spec['training'].get('epochs_run', '?')} | {psnr} | {ssim} |")
    return "\n".join(rows)


def build_folder(out: Path, names: list[str], weights_dir: Path = weights.BUNDLED_DIR) -> Path:
    """The exact folder uploaded: each model's .keras and .json, and README.md (the model card)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    specs = []
    for name in names:
        resolved = weights.resolve(name, weights_dir / f"{name}.keras")  # refuses files not matching their JSON
        shutil.copy(resolved.path, out / f"{name}.keras")
        shutil.copy(resolved.path.with_suffix(".json"), out / f"{name}.json")
        specs.append(resolved.spec)
    card_data = ModelCardData(license="other", license_name="non-commercial-research",
                              library_name="keras", pipeline_tag="image-to-image",
                              tags=["inpainting", "face", "unet", "synthesized"], datasets=["UTKFace"])
    test_split = next((s["metrics"].get("test_split") for s in specs if s.get("metrics")), "not evaluated yet")
    card = ModelCard.from_template(card_data, template_str=CARD_TEMPLATE, model_rows=model_rows(specs), test_split=test_split)
    card.save(out / "README.md")
    return out


def publish(repo_id: str, names: list[str], out: Path, dry_run: bool, tag: str = weights.PINNED_REVISION) -> Path:
    folder = build_folder(out, names)
    if dry_run:
        print(f"dry run: would upload {sorted(p.name for p in folder.iterdir())} to {repo_id} and tag it {tag}")
        return folder
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id, exist_ok=True)
    commit = api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=f"unmask models {tag}")
    api.create_tag(repo_id, tag=tag, revision=commit.oid, exist_ok=False)
    print(json.dumps({"repo": repo_id, "commit": commit.oid, "tag": tag}))
    return folder
