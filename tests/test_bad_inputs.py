"""Every awkward upload in the catalogue, through the CLI and through the app's API."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .bad_inputs import write_catalogue
from .conftest import ROOT


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_inputs")
    return folder, write_catalogue(folder)


def test_cli_answers_every_case_and_keeps_going(catalogue, tmp_path):
    folder, cases = catalogue
    files = [str(folder / name) for name in cases]
    done = subprocess.run([sys.executable, "-m", "unmask", *files, "-o", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1  # some inputs are refused
    assert "Traceback" not in done.stderr
    for name, (outcome, pattern) in cases.items():
        lines = [line for line in done.stderr.splitlines() if line.startswith(str(folder / name) + ":")]
        written = (tmp_path / f"{name.rsplit('.', 1)[0]}.png").exists()
        if outcome == "error":
            assert not written and len(lines) == 1 and re.search(pattern, lines[0]), (name, lines)
        else:
            assert written, (name, done.stderr)
            if pattern not in ("1 face", r"\d+ faces? unmasked"):  # the CLI says nothing of a photo that went well
                assert any(re.search(pattern, line) for line in lines), (name, lines)


@pytest.mark.parametrize("name", ["notes.jpg", "letter.pdf", "archive.jpg", "empty.png", "truncated.jpg", "bomb.png",
                                  "huge.jpg", "animated.gif", "pages.tif", "cmyk.jpg", "deep16.png", "palette.png",
                                  "rgba.png", "grey.png", "rotated.jpg", "sky.png", "crowd.jpg", "tiny.png"])
def test_app_answers_every_case_in_words(catalogue, app_client, name):
    from gradio_client import handle_file

    folder, cases = catalogue
    outcome, pattern = cases[name]
    if outcome == "error":
        with pytest.raises(Exception) as raised:
            app_client.predict(handle_file(str(folder / name)), "rgb2rgb", api_name="/unmask")
        assert re.search(pattern, str(raised.value)), str(raised.value)
    else:
        _, _, found, _ = app_client.predict(handle_file(str(folder / name)), "rgb2rgb", api_name="/unmask")
        assert re.search(pattern, found), found
