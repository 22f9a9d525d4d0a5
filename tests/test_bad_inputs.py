"""Every awkward upload in the catalogue, through the CLI and through the app's API."""
from __future__ import annotations

import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

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
        if outcome == "ok|error":  # either is fine, as long as it is said in words
            assert written or (len(lines) == 1 and re.search(pattern, lines[0])), (name, lines)
        elif outcome == "error":
            assert not written and len(lines) == 1 and re.search(pattern, lines[0]), (name, lines)
        else:
            assert written, (name, done.stderr)
            if pattern not in ("1 face", r"\d+ faces? unmasked"):  # the CLI says nothing of a photo that went well
                assert any(re.search(pattern, line) for line in lines), (name, lines)


CATALOGUE = ["notes.jpg", "letter.pdf", "archive.jpg", "empty.png", "truncated.jpg", "bomb.png", "huge.jpg", "animated.gif",
             "pages.tif", "cmyk.jpg", "deep16.png", "palette.png", "rgba.png", "grey.png", "rotated.jpg", "sky.png",
             "crowd.jpg", "tiny.png", "dot.png", "strip.png", "panorama.jpg", "grey_alpha.png", "float.tif",
             "transparent.png", "webp_photo.webp", "bmp_photo.bmp", "tiff_photo.tiff", "iphone.heic", "avif_photo.avif", "drawing.svg",
             "text_bomb.png", "exif_junk.jpg", "exif3.jpg", "exif8.jpg", "bitflip.jpg"]


def test_the_catalogue_lists_every_case(catalogue):
    assert sorted(catalogue[1]) == sorted(CATALOGUE) and len(CATALOGUE) >= 30


@pytest.mark.parametrize("name", CATALOGUE)
def test_app_answers_every_case_in_words(catalogue, app_client, name):
    from gradio_client import handle_file

    folder, cases = catalogue
    outcome, pattern = cases[name]
    if outcome == "ok|error":
        try:
            _, _, found, _ = app_client.predict(handle_file(str(folder / name)), "rgb2rgb", api_name="/unmask")
        except Exception as error:  # a refusal must still be in words
            found = str(error)
        assert re.search(pattern, found), found
    elif outcome == "error":
        with pytest.raises(Exception) as raised:
            app_client.predict(handle_file(str(folder / name)), "rgb2rgb", api_name="/unmask")
        assert re.search(pattern, str(raised.value)), str(raised.value)
    else:
        _, _, found, _ = app_client.predict(handle_file(str(folder / name)), "rgb2rgb", api_name="/unmask")
        assert re.search(pattern, found), found


ENDPOINTS = {  # api name -> the arguments after the photo
    "/put_mask_on": ("surgical",),
    "/find_faces": (),
    "/unmask_faces": ([1], True),
    "/live_frame": (),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("name", ["notes.jpg", "empty.png", "bomb.png", "iphone.heic", "sky.png", "dot.png"])
def test_every_endpoint_answers_bad_input_in_words(catalogue, app_client, endpoint, name):
    """#26's endpoints get the same awkward uploads; each answers in words (the live view, which
    must never stop a stream, shows an unreadable frame's reason on the page instead)."""
    from gradio_client import handle_file

    folder, cases = catalogue
    expected = cases[name][1]
    try:
        answer = app_client.predict(handle_file(str(folder / name)), *ENDPOINTS[endpoint], api_name=endpoint)
    except Exception as error:
        assert re.search(expected + "|There is no face|No face", str(error)), (endpoint, str(error))
        assert "upstream" not in str(error).lower() and "Traceback" not in str(error)
        return
    assert endpoint == "/live_frame", (endpoint, answer)  # only the live view answers with a picture
    assert re.search(r"No face in view|Live:", answer[1]), answer


def test_a_painting_of_the_wrong_shape_or_empty_is_refused_in_words(app_client, tmp_path):
    from gradio_client import handle_file

    photo = handle_file(str(ROOT / "examples" / "astronaut_surgical.jpg"))
    for layer_size, words in (((300, 100), "paint on the photo itself"), ((512, 512), "Unmask the photo first")):
        layer = np.zeros((*layer_size, 4), np.uint8)
        if words != "Unmask the photo first":
            layer[..., 3] = 255  # a painting of another shape, fully painted
        path = tmp_path / f"layer{layer_size[0]}.png"
        Image.fromarray(layer).save(path)
        painting = {"background": handle_file(str(ROOT / "examples" / "astronaut_surgical.jpg")), "layers": [handle_file(str(path))],
                    "composite": None}
        with pytest.raises(Exception, match=words):
            app_client.predict(photo, "inpaint", painting, api_name="/unmask_painted")


def test_live_frames_of_4k_come_back_at_the_page_size(app_client, tmp_path):
    from gradio_client import handle_file

    big = cv2.resize(np.asarray(Image.open(ROOT / "examples" / "astronaut_surgical.jpg").convert("RGB")), (3840, 2160))
    Image.fromarray(big).save(tmp_path / "4k.jpg", quality=85)
    shown, rate = app_client.predict(handle_file(str(tmp_path / "4k.jpg")), api_name="/live_frame")
    assert max(Image.open(shown).size) == 640 and "Live:" in rate
