"""The page, launched for real and called the way a user's browser or script would."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import EXAMPLES


def test_unmask_through_the_api(app_client):
    from gradio_client import handle_file

    slider, sketch, found = app_client.predict(handle_file(str(EXAMPLES / "astronaut_surgical.jpg")), "rgb2rgb", api_name="/unmask")
    for path in (*slider, sketch):  # JPEG files the app wrote (app.save_outputs), labelled in their comment
        assert Image.open(path).format == "JPEG" and b"ynthesized" in Image.open(path).info["comment"]
    before, after = (np.asarray(Image.open(path)) for path in slider)
    assert before.shape == after.shape == (512, 512, 3)
    assert np.abs(before.astype(int) - after.astype(int)).mean() > 0.5
    assert np.asarray(Image.open(sketch)).shape[:2] == (512, 512)
    assert found.startswith("1 face unmasked") and "synthesized" in found


def test_a_non_image_gets_a_clear_error(app_client, tmp_path):
    from gradio_client import handle_file

    fake = tmp_path / "holiday.jpg"
    fake.write_text("not really a jpeg")
    with pytest.raises(Exception, match="Could not read that file"):
        app_client.predict(handle_file(str(fake)), "rgb2rgb", api_name="/unmask")


def test_no_face_gets_a_clear_error(app_client, tmp_path):
    from gradio_client import handle_file

    Image.new("RGB", (320, 240), (40, 120, 200)).save(tmp_path / "sky.png")
    with pytest.raises(Exception, match="No face found"):
        app_client.predict(handle_file(str(tmp_path / "sky.png")), "rgb2rgb", api_name="/unmask")


def test_the_pages_files_are_deleted_after_the_request(unmasker, monkeypatch, tmp_path):
    import time

    import app
    from unmask import io

    monkeypatch.setattr(app, "OUTPUT_DIR", tmp_path / "outputs")
    monkeypatch.setattr(app, "OUTPUT_SECONDS", 0.2)
    paths = app.save_outputs(unmasker.unmask(io.decode(EXAMPLES / "astronaut_surgical.jpg")))
    assert all(Path(path).is_file() for path in paths)
    time.sleep(1.0)
    assert not any(Path(path).exists() for path in paths) and not any((tmp_path / "outputs").iterdir())


def test_painted_parts_are_redrawn_through_the_api(app_client, tmp_path):
    """What the page sends after painting: the photo, and the editor's layer (opaque where painted)."""
    from gradio_client import handle_file

    photo = EXAMPLES / "astronaut_surgical.jpg"
    plain, _, _ = app_client.predict(handle_file(str(photo)), "inpaint", api_name="/unmask")
    layer = np.zeros((512, 512, 4), np.uint8)
    layer[76:90, 200:240] = (255, 0, 255, 255)  # magenta brush over a patch of forehead
    Image.fromarray(layer).save(tmp_path / "layer.png")
    painting = {"background": handle_file(str(photo)), "layers": [handle_file(str(tmp_path / "layer.png"))], "composite": None}
    painted, _, found = app_client.predict(handle_file(str(photo)), "inpaint", painting, api_name="/unmask_painted")
    before, after, unpainted = (np.asarray(Image.open(path), int) for path in (*painted, plain[1]))
    assert np.abs(after[76:90, 200:240] - before[76:90, 200:240]).mean() > 3
    assert np.abs(unpainted[76:90, 200:240] - before[76:90, 200:240]).mean() < 2  # JPEG noise only
    assert found.startswith("1 face unmasked")
    nothing_painted = {"background": handle_file(str(photo)), "layers": [], "composite": None}
    no_photo_to_paint_on = {"background": None, "layers": painting["layers"], "composite": None}
    for unusable in (nothing_painted, no_photo_to_paint_on):
        with pytest.raises(Exception, match="paint over the piece of mask"):
            app_client.predict(handle_file(str(photo)), "inpaint", unusable, api_name="/unmask_painted")


def test_the_page_asks_for_the_model_and_sketch_chosen_by_name(app_client, unmasker_requests):
    from gradio_client import handle_file

    photo = handle_file(str(EXAMPLES / "astronaut_surgical.jpg"))
    app_client.predict(photo, "rgb2rgb", "rgb2sketch", api_name="/unmask")
    assert unmasker_requests[-1] == ("rgb2rgb", "rgb2sketch")
    app_client.predict(photo, "inpaint", api_name="/unmask")  # the sketch left at its default
    assert unmasker_requests[-1] == ("inpaint", "pencil")


def test_the_served_app_starts_quietly_and_logs_a_refused_photo_as_one_line(tmp_path):
    """``python app.py`` as a Space runs it: no TensorFlow start-up chatter, and a visitor's photo
    without a face is one line in the log, not a traceback."""
    import os
    import subprocess
    import sys
    import time

    from gradio_client import Client, handle_file

    from .conftest import ROOT, free_port

    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(180):
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                break
            except Exception:
                assert server.poll() is None, "the app stopped while starting"
                time.sleep(1)
        grey = tmp_path / "wall.png"
        Image.fromarray(np.full((200, 300, 3), 128, np.uint8)).save(grey)
        with pytest.raises(Exception, match="No face found"):
            client.predict(handle_file(str(grey)), "inpaint", "pencil", api_name="/unmask")
        time.sleep(0.5)
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert "Traceback" not in log and "oneDNN" not in log and "absl" not in log, log
    refusals = [line for line in log.splitlines() if "refused a request" in line]
    assert len(refusals) == 1 and "No face found" in refusals[0], log
