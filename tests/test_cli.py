import subprocess
import sys

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
