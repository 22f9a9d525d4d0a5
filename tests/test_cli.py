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
    assert pencil.shape == seed.shape == (512, 512)
    assert (np.abs(pencil - seed) > 30).sum() > 500  # two different sketches where the face was redrawn
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
    done = run_cli(str(photo), str(EXAMPLES / "astronaut_n95.jpg"), "-o", str(tmp_path / "out"), "--paint", str(tmp_path / "painting.png"))
    assert done.returncode == 1 and "--paint goes with one photo" in done.stderr


def test_cli_never_writes_over_an_input_or_an_earlier_result_of_the_same_run(tmp_path):
    photos = tmp_path / "photos"
    (photos / "other").mkdir(parents=True)
    Image.open(EXAMPLES / "astronaut_kn95.jpg").save(photos / "me.png")  # the user's own photo, named as a result would be
    (photos / "me.jpg").write_bytes((EXAMPLES / "astronaut_n95.jpg").read_bytes())
    (photos / "other" / "me.jpg").write_bytes((EXAMPLES / "astronaut_scarf.jpg").read_bytes())
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    done = run_cli(str(photos), str(photos / "other" / "me.jpg"), "-o", str(photos), "--sketch")
    assert done.returncode == 0, done.stderr
    assert all(p.read_bytes() == data for p, data in before.items())  # every input as it was
    results = sorted(p.name for p in photos.glob("me-*.png"))
    assert results == ["me-1.png", "me-1_sketch.png", "me-2.png", "me-2_sketch.png", "me-3.png", "me-3_sketch.png"]
    assert done.stderr.count("the plain name was taken") == 3
    assert "Traceback" not in done.stderr and not list(photos.glob(".*.part"))
    # Run again: the earlier results stay; only with --overwrite-results are they replaced, never the photo.
    again = run_cli(str(photos / "me.jpg"), "-o", str(photos))
    assert again.returncode == 0 and (photos / "me-4.png").exists()
    replaced = run_cli(str(photos / "me.jpg"), "-o", str(photos), "--overwrite-results")
    assert replaced.returncode == 0 and not (photos / "me-5.png").exists()
    assert (photos / "me.png").read_bytes() == before[photos / "me.png"]


def test_cli_bad_arguments_get_one_line_and_no_traceback(tmp_path):
    photo = str(EXAMPLES / "astronaut_kn95.jpg")
    a_file = tmp_path / "a_file.png"
    a_file.write_bytes(b"x")
    cases = [
        (["-o", str(a_file)], 1, "is a file"),
        (["-o", str(a_file / "below")], 1, "cannot create the output folder"),
        (["-o", str(tmp_path / "out"), "--paint", str(tmp_path / "missing.png")], 1, "cannot open"),
        (["-o", str(tmp_path / "out"), "--model", "nope"], 2, "invalid choice"),
    ]
    for extra, status, words in cases:
        done = run_cli(photo, *extra)
        assert done.returncode == status, (extra, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
    assert a_file.read_bytes() == b"x"
    missing = run_cli(str(tmp_path / "gone.jpg"), "-o", str(tmp_path / "out"))
    assert missing.returncode == 1 and "cannot open" in missing.stderr and "Traceback" not in missing.stderr


def test_cli_start_up_is_quiet_unless_verbose(tmp_path):
    done = run_cli(str(EXAMPLES / "astronaut_kn95.jpg"), "-o", str(tmp_path))
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_cli_puts_a_mask_on_and_says_how_close_the_guess_came(tmp_path):
    done = subprocess.run([sys.executable, "-m", "unmask", str(EXAMPLES / "unmasked_astronaut.jpg"), "-o", str(tmp_path),
                           "--put-mask-on", "kn95"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "dB PSNR" in done.stdout and "kn95 mask" in done.stdout and "synthesized" in done.stdout
    guess = np.asarray(Image.open(tmp_path / "unmasked_astronaut.png").convert("RGB"), int)
    real = np.asarray(Image.open(EXAMPLES / "unmasked_astronaut.jpg").convert("RGB"), int)
    changed = np.abs(guess - real).sum(axis=2) > 30
    assert guess.shape == real.shape and 1000 < changed.sum() < 0.1 * changed.size  # a lower face redrawn
    assert not changed[:60].any()  # above the face (its box starts at row 75) the photo is kept
