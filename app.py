"""The unmask web page: one Gradio Blocks page over ``unmask.Unmasker``. No model code here."""
from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no analytics, ever

import gradio as gr
import numpy as np

from unmask import io, models, quiet
from unmask.pipeline import NoFaceFound, PaintingMismatch, Unmasker

log = logging.getLogger("unmask.app")
EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples")
COLOUR_MODELS = [name for name, info in models.MODELS.items() if info.output == "rgb"]

# One model call at a time keeps the two CPU cores busy without thrashing; sixteen waiting
# requests at most, after which newcomers are told the queue is full instead of waiting forever.
CONCURRENCY = 1
QUEUE_MAX_SIZE = 16

# Privacy: no run history kept in visitors' browsers (it would point at their uploads).
# Uploads over 30 MB are refused by Gradio before they reach us (a phone photo is 2-8 MB).
LAUNCH_OPTIONS = {"run_history": False, "footer_links": ["api", "gradio"], "max_file_size": "30mb"}

# The page's three images are written here as JPEG (~5 ms each for 1024x1024, where Gradio's
# default WebP takes ~70 ms; bench/stages.py measures both) and handed to Gradio as files, which it
# copies into its cache atomically. (Returning arrays made Gradio rewrite the same cache file for
# identical results, e.g. everyone trying the same example, while others were downloading it.)
OUTPUT_DIR = Path(tempfile.gettempdir()) / "unmask-outputs"
OUTPUT_SECONDS = 120.0  # Gradio has copied a request's files long before this; then they are deleted

NOTICE = """
**The result is a synthesized guess, not the person's real face.** A neural network invents a
plausible nose, mouth and chin; it cannot know what is under the mask. Don't use it to identify anyone.
Your photo is processed for this request only: it is not stored beyond a short-lived cache
(deleted within an hour), not logged, and no analytics are sent.
"""


def refused(message: str) -> gr.Error:
    """The visitor's answer in words; the server's log gets the same one line, not a traceback."""
    log.info("refused a request: %s", message)
    return gr.Error(message, print_exception=False)


class PhotoInput(gr.Image):
    """``gr.Image`` that hands the uploaded file itself to ``unmask.io``.

    Gradio would open uploads with Pillow before our code runs, and its failures (not an image,
    a decompression bomb) would reach the user as a generic error. Our decoder answers in words.
    """

    is_template = True  # render with gr.Image's front end

    def preprocess(self, payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return payload.path
        try:
            return super().preprocess(payload)
        except Exception:
            raise refused("Could not read that file: not a supported image file (try a JPEG or PNG photo)") from None


def save_outputs(result) -> tuple[str, str, str]:
    """Write before, after and sketch as JPEG files for Gradio, deleted ``OUTPUT_SECONDS`` later
    (and any a restarted server left behind are swept on the next request)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT_DIR.iterdir():
        if time.time() - old.stat().st_mtime > OUTPUT_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=OUTPUT_DIR))
    paths = []
    for name, pixels in (("before", result.original), ("unmasked", result.image), ("sketch", result.sketch)):
        path = folder / f"{name}.jpg"
        path.write_bytes(io.encode_jpeg(pixels))
        paths.append(str(path))
    timer = threading.Timer(OUTPUT_SECONDS, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True})
    timer.daemon = True
    timer.start()
    return paths[0], paths[1], paths[2]


@functools.lru_cache(maxsize=4)
def cached_unmasker(model: str, sketch: str) -> Unmasker:
    """One Unmasker per (model, sketch) pair; both always given, so the warm-up's is the one reused."""
    return Unmasker(model, sketch)


def painted_layers(painting: dict | None) -> np.ndarray | None:
    """(H, W) bool of what was painted on the editor's RGBA layers (their opaque pixels), None if nothing."""
    marks = [layer[..., 3] >= 128 for layer in (painting or {}).get("layers") or [] if layer is not None]
    painted = np.logical_or.reduce(marks) if marks else None
    return painted if painted is not None and painted.any() else None


def build_demo(get_unmasker: Callable[[str, str], Unmasker] = cached_unmasker) -> gr.Blocks:
    def unmask_and_save(path: str | None, model: str, sketch_model: str, painted: np.ndarray | None, progress: gr.Progress):
        if not path:
            raise refused("Upload a photo, take one with the webcam, or pick an example first.")
        progress(0.2, desc="reading the photo, finding faces, unmasking")
        try:
            result = get_unmasker(model, sketch_model).unmask_file(path, painted=painted)
        except io.UnreadableImage as error:
            raise refused(f"Could not read that file: {error}") from None
        except (NoFaceFound, PaintingMismatch) as error:
            raise refused(str(error)) from None
        before, after, sketch = save_outputs(result)
        progress(1.0, desc="done")
        return (before, after), sketch, result.summary()

    def run(path: str | None, model: str, sketch: str = models.DEFAULT_SKETCH_MODEL, progress=gr.Progress()):
        return unmask_and_save(path, model, sketch, None, progress)

    def run_painted(path: str | None, model: str, painting: dict | None, sketch: str = models.DEFAULT_SKETCH_MODEL,
                    progress=gr.Progress()):
        painted = painted_layers(painting)
        if painted is None or painting.get("background") is None:  # nothing painted, or not on the photo
            raise refused("Unmask the photo first, then paint over the piece of mask that is left.")
        return unmask_and_save(path, model, sketch, painted, progress)

    with gr.Blocks(title="unmask: a guess at the face under a mask", delete_cache=(600, 3600)) as demo:
        gr.Markdown("# unmask\nUpload a selfie with a face mask: each face gets a synthesized nose, mouth and chin.")
        gr.Markdown(NOTICE, elem_id="notice")
        with gr.Row():
            with gr.Column():
                photo = PhotoInput(label="Photo with a mask", type="filepath", image_mode=None,
                                   sources=["upload", "webcam", "clipboard"])
                model = gr.Dropdown(COLOUR_MODELS, value=models.DEFAULT_MODEL, label="Model")
                sketch_choice = gr.Dropdown(models.SKETCHES, value=models.DEFAULT_SKETCH_MODEL, label="Sketch",
                                            info="pencil: drawn from the colour result; rgb2sketch: the seed's sketch model")
                button = gr.Button("Unmask", variant="primary", elem_id="unmask-button")
            with gr.Column():
                slider = gr.ImageSlider(label="Before / after (synthesized)", type="filepath", elem_id="result-slider")
                sketch = gr.Image(label="Pencil sketch (synthesized)", type="filepath", elem_id="result-sketch")
                found = gr.Textbox(label="What was found", lines=3, elem_id="found")
        with gr.Accordion("A piece of the mask left? Paint over it", open=False):
            painting = gr.ImageEditor(label="The result: paint over what is left of the mask", type="numpy",
                                      sources=[], transforms=[], layers=False, elem_id="painting",
                                      brush=gr.Brush(colors=["#ff00ff"], color_mode="fixed", default_size=12))
            repaint = gr.Button("Unmask with the painted parts redrawn too", elem_id="repaint-button")
        examples = sorted(f for f in os.listdir(EXAMPLES_DIR) if f.lower().endswith((".png", ".jpg", ".jpeg")))
        gr.Examples([[os.path.join(EXAMPLES_DIR, f)] for f in examples], inputs=[photo])
        button.click(run, inputs=[photo, model, sketch_choice], outputs=[slider, sketch, found], api_name="unmask").success(
            lambda before_after: before_after[1] if before_after else None, inputs=[slider], outputs=[painting],
            api_visibility="private")  # the result, where what is left shows; the strokes stay for further runs
        photo.change(lambda: None, outputs=[painting], api_visibility="private")  # a new photo: nothing painted yet
        repaint.click(run_painted, inputs=[photo, model, painting, sketch_choice], outputs=[slider, sketch, found], api_name="unmask_painted")
    return demo.queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=CONCURRENCY)


if __name__ == "__main__":
    quiet.start(verbose="--verbose" in sys.argv[1:])  # library start-up chatter only with --verbose
    log.setLevel(logging.INFO)  # one line per refused request
    cached_unmasker(models.DEFAULT_MODEL, models.DEFAULT_SKETCH_MODEL)  # load and warm up before the first visitor
    build_demo().launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"), **LAUNCH_OPTIONS)
