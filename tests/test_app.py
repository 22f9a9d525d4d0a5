"""The page, launched for real and called the way a user's browser or script would."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import EXAMPLES


def test_unmask_through_the_api(app_client):
    from gradio_client import handle_file

    slider, sketch, found, download = app_client.predict(handle_file(str(EXAMPLES / "astronaut_surgical.jpg")), "rgb2rgb", api_name="/unmask")
    for path in (*slider, sketch):  # JPEG files the app wrote (app.save_outputs), labelled in their comment
        assert Image.open(path).format == "JPEG" and b"ynthesized" in Image.open(path).info["comment"]
    before, after = (np.asarray(Image.open(path)) for path in slider)
    assert before.shape == after.shape == (512, 512, 3)
    assert np.abs(before.astype(int) - after.astype(int)).mean() > 0.5
    assert np.asarray(Image.open(sketch)).shape[:2] == (512, 512)
    assert found.startswith("1 face unmasked") and "synthesized" in found
    png = Image.open(download)  # the download: the result at full size, labelled in its metadata
    assert png.format == "PNG" and "ynthesized" in png.info["Description"] and png.size == (512, 512)


def test_put_a_mask_on_and_take_it_off_through_the_api(app_client):
    from gradio_client import handle_file

    real, masked, guess, words, download = app_client.predict(handle_file(str(EXAMPLES / "unmasked_astronaut.jpg")), "kn95",
                                                              api_name="/put_mask_on")
    real, masked, guess = (np.asarray(Image.open(path), int) for path in (real, masked, guess))
    assert real.shape == masked.shape == guess.shape == (512, 512, 3)
    assert np.abs(masked - real).mean() > 1 and np.abs(guess - masked).mean() > 0.5  # a mask went on, and came off
    assert re.search(r"\d+\.\d dB PSNR and \d\.\d\d SSIM", words) and "Telea" in words
    assert "face-recognition distance" in words and "synthesized" in words
    assert "ynthesized" in Image.open(download).info["Description"]
    with pytest.raises(Exception, match="balaclava is not in the list of choices"):  # Gradio answers it in words
        app_client.predict(handle_file(str(EXAMPLES / "unmasked_astronaut.jpg")), "balaclava", api_name="/put_mask_on")


def test_the_live_endpoint_unmasks_a_frame_and_says_the_rate(app_client, tmp_path):
    from gradio_client import handle_file

    frame = np.asarray(Image.open(EXAMPLES / "astronaut_surgical.jpg").convert("RGB").resize((480, 480)))
    frame = np.pad(frame, ((0, 0), (80, 80), (0, 0)), mode="edge")  # 640x480, as a webcam sends it
    Image.fromarray(frame).save(tmp_path / "frame.png")
    shown, rate = app_client.predict(handle_file(str(tmp_path / "frame.png")), api_name="/live_frame")
    shown = np.asarray(Image.open(shown).convert("RGB"), int)
    assert shown.shape == (480, 640, 3) and np.abs(shown - frame).mean() > 0.3
    assert re.search(r"Live: \d+ ms", rate)


def test_a_group_photo_finds_numbered_faces_and_unmasks_only_the_chosen(app_client):
    from gradio_client import handle_file

    group = handle_file(str(EXAMPLES / "group.jpg"))
    overlaid, chosen, listing = app_client.predict(group, api_name="/find_faces")
    usable = [int(line.split()[1].rstrip(":")) for line in listing.splitlines() if line.endswith("can be unmasked")]
    assert len(usable) >= 4 and "face 1:" in listing
    original = np.asarray(Image.open(EXAMPLES / "group.jpg").convert("RGB"), int)
    assert np.abs(np.asarray(Image.open(overlaid).convert("RGB"), int) - original).mean() > 0.5  # boxes drawn
    shown, summary, download = app_client.predict(group, [usable[0]], False, api_name="/unmask_faces")
    assert summary.startswith("1 face unmasked") and f"face {usable[1]}: left as it was, not chosen" in summary
    with pytest.raises(Exception, match="tick the ones to unmask"):
        app_client.predict(group, [], True, api_name="/unmask_faces")


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


def test_the_cache_is_held_to_its_budget_oldest_first(app_client, monkeypatch, tmp_path):
    """Uploads and results past the budget are deleted, oldest first: the first request's go, the
    newest request's stay, and so do the examples (kept by Gradio for good)."""
    import app
    from gradio_client import handle_file

    monkeypatch.setattr(app.CACHE, "limit", 2_000_000)
    monkeypatch.setattr(app.CACHE, "every", 0.0)
    kept = set().union(*(getattr(block, "keep_in_cache", set()) for page in app.CACHE.pages for block in page.blocks.values()))

    def held() -> set[str]:
        """The server's own files in its cache (not the client's copies)."""
        return {path for page in app.CACHE.pages for file_set in page.temp_file_sets for path in file_set
                if Path(path).exists()} - kept

    photo = np.asarray(Image.open(EXAMPLES / "astronaut_surgical.jpg"))
    requests = []
    for shade in range(6):  # distinct photos, as distinct visitors send
        Image.fromarray(np.clip(photo.astype(int) + 3 * shade, 0, 255).astype(np.uint8)).save(tmp_path / f"{shade}.png")
        before = held()
        app_client.predict(handle_file(str(tmp_path / f"{shade}.png")), "inpaint", api_name="/unmask")
        requests.append(held() - before)
    one_request = 4_000_000  # a 512x512 upload as PNG, three JPEGs and the PNG download, with room
    assert sum(Path(path).stat().st_size for path in held()) < app.CACHE.limit + one_request
    assert len(requests[0]) >= 4 and not any(Path(path).exists() for path in requests[0])
    assert len(requests[-1]) >= 4 and all(Path(path).exists() for path in requests[-1])
    assert kept and all(Path(path).exists() for path in kept)


def test_folders_left_empty_by_deleted_results_are_swept(tmp_path, monkeypatch):
    import os
    import time

    import app

    monkeypatch.setattr(app, "OUTPUT_DIR", tmp_path)
    emptied, fresh, full = tmp_path / "emptied", tmp_path / "fresh", tmp_path / "full"
    for folder in (emptied, fresh, full):
        folder.mkdir()
    (full / "unmasked.png").write_bytes(b"result")
    for folder in (emptied, full):  # a minute or two old: a request's results not yet deleted
        os.utime(folder, (0, time.time() - 2 * app.CACHE_CHECK_SECONDS))
    new = app.output_folder()
    assert not emptied.exists() and fresh.exists() and full.exists() and new.is_dir()  # fresh: another request's


def test_an_upload_past_its_time_is_asked_for_again_in_words(app_client, app_url, tmp_path):
    """The page sends the same upload again for a second run (another model, painting); once
    the cache has deleted it, the visitor is asked to upload it again."""
    import httpx

    with open(EXAMPLES / "astronaut_surgical.jpg", "rb") as photo:
        uploaded = httpx.post(f"{app_url.rstrip('/')}/gradio_api/upload", files={"files": photo}).json()[0]
    Path(uploaded).unlink()
    call = f"{app_url.rstrip('/')}/gradio_api/call/unmask"  # as the page does: the server's path, no new upload
    event = httpx.post(call, json={"data": [{"path": uploaded, "meta": {"_type": "gradio.FileData"}}, "inpaint", "pencil", False]}).json()
    answer = httpx.get(f"{call}/{event['event_id']}", timeout=60).text
    assert "event: error" in answer and re.search("no longer on the server.*upload it again", answer)
    assert uploaded not in answer  # no server path shown


def test_painted_parts_are_redrawn_through_the_api(app_client, tmp_path):
    """What the page sends after painting: the photo, and the editor's layer (opaque where painted)."""
    from gradio_client import handle_file

    photo = EXAMPLES / "astronaut_surgical.jpg"
    plain, _, _, _ = app_client.predict(handle_file(str(photo)), "inpaint", api_name="/unmask")
    layer = np.zeros((512, 512, 4), np.uint8)
    layer[76:90, 200:240] = (255, 0, 255, 255)  # magenta brush over a patch of forehead
    Image.fromarray(layer).save(tmp_path / "layer.png")
    painting = {"background": handle_file(str(photo)), "layers": [handle_file(str(tmp_path / "layer.png"))], "composite": None}
    painted, _, found, _ = app_client.predict(handle_file(str(photo)), "inpaint", painting, api_name="/unmask_painted")
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


def test_requests_sweeping_old_outputs_at_once_do_not_trip_over_each_other(tmp_path, monkeypatch):
    """Each request sweeps stale output folders; two sweeping at once once failed a request
    (the folder listed was gone before its age was read)."""
    import os
    import threading

    import app

    monkeypatch.setattr(app, "OUTPUT_DIR", tmp_path)
    errors = []

    def request() -> None:
        try:
            for _ in range(20):
                app.output_folder()
        except Exception as error:  # what a visitor would have got
            errors.append(error)

    for round_ in range(5):
        for i in range(200):
            stale = tmp_path / f"stale-{round_}-{i}"
            stale.mkdir()
            os.utime(stale, (0, 0))
        threads = [threading.Thread(target=request) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert not list(tmp_path.glob("stale-*"))


def test_the_server_limits_glibcs_heaps_where_there_is_glibc():
    import platform

    import app

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("M_ARENA_MAX is glibc's")
    assert app.limit_malloc_arenas() is True
