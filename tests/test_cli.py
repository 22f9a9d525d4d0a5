import subprocess
import sys

import numpy as np
from PIL import Image

from .conftest import EXAMPLES, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unmask", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_writes_full_size_results_and_reports_failures(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "astronaut.jpg").write_bytes((EXAMPLES / "astronaut_kn95.jpg").read_bytes())
    (inputs / "notes.jpg").write_text("this is not a photo")
    Image.new("RGB", (200, 150), (90, 90, 90)).save(inputs / "blank.png")
    out = tmp_path / "out"
    done = run_cli(str(inputs), "-o", str(out), "--sketch")
    assert done.returncode == 1
    failures = [line for line in done.stderr.splitlines() if line.startswith(str(inputs))]
    assert len(failures) == 2
    assert any("notes.jpg" in line and "not a supported image" in line for line in failures)
    assert any("blank.png" in line and "No face found" in line for line in failures)
    with Image.open(out / "astronaut.png") as result, Image.open(EXAMPLES / "astronaut_kn95.jpg") as original:
        assert result.size == original.size
        assert "Synthesized" in result.info["Description"]
    with Image.open(out / "astronaut_sketch.png") as sketch:
        assert sketch.size == (512, 512) and sketch.mode == "L"


def test_cli_assume_crop_and_model_choice(tmp_path):
    Image.new("RGB", (128, 128), (150, 120, 100)).save(tmp_path / "crop.png")
    done = run_cli(str(tmp_path / "crop.png"), "-o", str(tmp_path / "out"), "--assume-crop", "--model", "rgb2sketch")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "crop.png").exists()


def test_cli_sketch_is_chosen_by_name(tmp_path):
    photo = str(EXAMPLES / "astronaut_scarf.jpg")
    for sketch_model in ("pencil", "rgb2sketch"):
        done = run_cli(photo, "-o", str(tmp_path / sketch_model), "--sketch", "--sketch-model", sketch_model)
        assert done.returncode == 0, done.stderr
    pencil, seed = (np.asarray(Image.open(tmp_path / name / "astronaut_scarf_sketch.png"), int) for name in ("pencil", "rgb2sketch"))
    assert pencil.shape == seed.shape == (512, 512) and np.abs(pencil - seed).mean() > 1  # two different sketches
    refused = run_cli(photo, "-o", str(tmp_path / "other"), "--sketch", "--sketch-model", "charcoal")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


def test_cli_redraws_what_was_painted_for_one_photo(tmp_path):
    photo = EXAMPLES / "astronaut_kn95.jpg"
    painting = Image.new("L", Image.open(photo).size, 0)
    painting.paste(255, (200, 76, 240, 90))  # a patch of forehead (eyes at y = 100), where no mask region reaches
    painting.save(tmp_path / "painting.png")
    done = run_cli(str(photo), "-o", str(tmp_path / "out"), "--paint", str(tmp_path / "painting.png"))
    assert done.returncode == 0, done.stderr
    with Image.open(tmp_path / "out" / "astronaut_kn95.png") as result, Image.open(photo) as original:
        difference = np.abs(np.asarray(result, int) - np.asarray(original.convert("RGB"), int))
    assert difference[76:90, 200:240].mean() > 3 and difference[:50, :50].max() == 0
    done = run_cli(str(photo), str(photo), "-o", str(tmp_path / "out"), "--paint", str(tmp_path / "painting.png"))
    assert done.returncode == 1 and "--paint goes with one photo" in done.stderr
