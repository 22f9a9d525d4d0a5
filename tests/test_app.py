"""The page, launched for real and called the way a user's browser or script would."""
from __future__ import annotations

import socket

import numpy as np
import pytest
from PIL import Image

from .conftest import EXAMPLES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def client(unmasker):
    import app
    from gradio_client import Client

    demo = app.build_demo(lambda model: unmasker)
    demo.queue(max_size=16, default_concurrency_limit=1)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield Client(url, verbose=False)
    demo.close()


def test_unmask_through_the_api(client):
    from gradio_client import handle_file

    slider, sketch, found = client.predict(handle_file(str(EXAMPLES / "astronaut_surgical.jpg")), "rgb2rgb", api_name="/unmask")
    before, after = (np.asarray(Image.open(path)) for path in slider)
    assert before.shape == after.shape == (512, 512, 3)
    assert np.abs(before.astype(int) - after.astype(int)).mean() > 0.5
    assert np.asarray(Image.open(sketch)).shape[:2] == (512, 512)
    assert found.startswith("1 face unmasked") and "synthesized" in found


def test_a_non_image_gets_a_clear_error(client, tmp_path):
    from gradio_client import handle_file

    fake = tmp_path / "holiday.jpg"
    fake.write_text("not really a jpeg")
    with pytest.raises(Exception, match="Could not read that file"):
        client.predict(handle_file(str(fake)), "rgb2rgb", api_name="/unmask")


def test_no_face_gets_a_clear_error(client, tmp_path):
    from gradio_client import handle_file

    Image.new("RGB", (320, 240), (40, 120, 200)).save(tmp_path / "sky.png")
    with pytest.raises(Exception, match="No face found"):
        client.predict(handle_file(str(tmp_path / "sky.png")), "rgb2rgb", api_name="/unmask")
