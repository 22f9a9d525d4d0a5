"""The unmask web page: one Gradio Blocks page over ``unmask.Unmasker``. No model code here."""
from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no analytics, ever

import cv2
import gradio as gr
import numpy as np
from gradio.utils import get_upload_folder

from unmask import io, kinds, masks, models, overlay, quiet, weights
from unmask.pipeline import MAX_FACES, NoFaceFound, PaintingMismatch, Unmasker

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

# The page's three images are written as JPEG (~5 ms each for 1024x1024, where Gradio's default
# WebP takes ~70 ms; bench/stages.py measures both), each request's in a folder of its own inside
# Gradio's cache, where Gradio serves them as they are instead of copying them. (Returning arrays
# made Gradio rewrite the same cache file for identical results, e.g. everyone trying the same
# example, while others were downloading it.)
OUTPUT_DIR = Path(get_upload_folder()) / "unmask-outputs"

# Uploads and results live in Gradio's cache. Gradio deletes them by age only (CACHE_SECONDS,
# checked every CACHE_CHECK_SECONDS); under steady traffic that held about 200 MiB a minute
# (docs/reliability.md), so the oldest are also deleted whenever the cache holds more than
# CACHE_BYTES (checked at most every TRIM_SECONDS, as requests come).
CACHE_SECONDS, CACHE_CHECK_SECONDS = 540, 60  # so nothing is older than 10 minutes
CACHE_BYTES = 1 << 30
TRIM_SECONDS = 5.0

# The live view: a frame every 0.1 s from the browser, at most 640 px drawn, a minute per stream,
# two streams at once (each keeps a core busy); a frame that comes while one is drawn waits for
# nothing: only the latest is drawn next (trigger_mode "always_last").
LIVE_EVERY, LIVE_MAX_SIDE, LIVE_SECONDS, LIVE_STREAMS = 0.1, 640, 60, 2

NOTICE = """
**The result is a synthesized guess, not the person's real face.** A neural network invents a
plausible nose, mouth and chin; it cannot know what is under the mask. Don't use it to identify anyone.
Your photo is processed for this request only: it is not stored beyond a short-lived cache
(deleted within 10 minutes), not logged, and no analytics are sent.
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


class CacheBudget:
    """Keeps Gradio's temporary files (uploads and results) under ``limit`` bytes, deleting the
    oldest first, as Gradio's own ``delete_cache`` does by age; files Gradio keeps for good (the
    examples) are never touched. ``pages``: the pages whose files count (``build_demo`` adds its own)."""

    def __init__(self, limit: int = CACHE_BYTES, every: float = TRIM_SECONDS):
        self.limit, self.every = limit, every
        self.pages: list[gr.Blocks] = []
        self.last = -float("inf")
        self.lock = threading.Lock()

    def trim_now_and_then(self) -> None:
        """Trim, unless another request is trimming or did within ``every`` seconds."""
        if time.monotonic() - self.last < self.every or not self.lock.acquire(blocking=False):
            return
        try:
            self.trim()
            self.last = time.monotonic()
        finally:
            self.lock.release()

    def trim(self) -> int:
        """Delete the oldest files until the rest fit in ``limit``; returns the bytes deleted."""
        blocks = [block for page in self.pages for block in page.blocks.values()]
        kept = set().union(*(getattr(block, "keep_in_cache", set()) for block in blocks))
        files: dict[str, tuple[float, int, list[set]]] = {}  # a file may be in several pages' sets
        for file_set in (file_set for page in self.pages for file_set in page.temp_file_sets):
            for path in list(file_set):  # copied in one step: request threads add to the set meanwhile
                try:
                    status = os.lstat(path)
                except FileNotFoundError:
                    file_set.discard(path)
                    continue
                except OSError:  # unreadable: neither counted nor touched
                    continue
                if path not in kept:
                    files.setdefault(path, (status.st_ctime, status.st_size, []))[2].append(file_set)
        excess = sum(size for _, size, _ in files.values()) - self.limit
        deleted = 0
        for path, (_, size, file_sets) in sorted(files.items(), key=lambda item: item[1][0]):
            if deleted >= excess:
                break
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            except OSError:  # cannot be deleted: kept, and the next trim tries again
                continue
            for file_set in file_sets:
                file_set.discard(path)
            deleted += size
        return deleted


CACHE = CacheBudget()


def output_folder() -> Path:
    """A fresh folder for one request's files. Gradio deletes the files (on its schedule, or
    ``CACHE`` when the cache is full); this deletes the folders they leave, and any a restarted
    server left behind."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT_DIR.iterdir():
        try:  # a folder's time is when a file was last written into it or deleted from it
            age, empty = time.time() - old.stat().st_mtime, not any(old.iterdir())
        except FileNotFoundError:  # another request's sweep took it first
            continue
        if age > CACHE_SECONDS + CACHE_CHECK_SECONDS or (empty and age > CACHE_CHECK_SECONDS):
            shutil.rmtree(old, ignore_errors=True)
    CACHE.trim_now_and_then()
    return Path(tempfile.mkdtemp(dir=OUTPUT_DIR))


def save_images(folder: Path | None = None, **images: np.ndarray) -> list[str]:
    """Each image as NAME.jpg for the page (labelled as synthesized in its comment), in ``folder``
    (a fresh ``output_folder`` if None)."""
    folder = folder or output_folder()
    paths = []
    for name, pixels in images.items():
        path = folder / f"{name}.jpg"
        path.write_bytes(io.encode_jpeg(pixels))
        paths.append(str(path))
    return paths


def save_download(pixels: np.ndarray, name: str = "unmasked", folder: Path | None = None) -> str:
    """The result as a PNG to download, labelled as synthesized in its metadata."""
    path = (folder or output_folder()) / f"{name}.png"
    path.write_bytes(io.encode_png(pixels))
    return str(path)


# The PNG to download is written beside the page's JPEGs: both encoders let go of Python's lock,
# so on two cores the JPEGs take no time of their own. For a 1024x1024 result, 15 repeats each,
# twice in one process: 44.0 and 56.3 ms one after the other, 34.6 and 46.2 ms side by side.
PNG_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="png")


def save_outputs(result, outline: bool = False) -> tuple[str, str, str, str]:
    """Before, after (with the redrawn region outlined, if asked) and sketch as JPEG files for
    Gradio, and the result as a labelled PNG to download."""
    after = overlay.faces(result.image, [], result.redrawn) if outline else result.image
    folder = output_folder()  # one per request: one sweep, one trim
    download = PNG_WRITER.submit(save_download, result.image, folder=folder)
    before, after, sketch = save_images(folder, before=result.original, unmasked=after, sketch=result.sketch)
    return before, after, sketch, download.result()


@functools.lru_cache(maxsize=4)
def cached_unmasker(model: str, sketch: str) -> Unmasker:
    """One Unmasker per (model, sketch) pair; both always given, so the warm-up's is the one reused."""
    return Unmasker(model, sketch)


def painted_layers(painting: dict | None) -> np.ndarray | None:
    """(H, W) bool of what was painted on the editor's RGBA layers (their opaque pixels), None if nothing."""
    marks = [layer[..., 3] >= 128 for layer in (painting or {}).get("layers") or [] if layer is not None]
    painted = np.logical_or.reduce(marks) if marks else None
    return painted if painted is not None and painted.any() else None


def read_photo(path: str | None, what: str = "a photo with a mask") -> io.Photo:
    if not path:
        raise refused(f"Upload {what}, take one with the webcam, or pick an example first.")
    if not os.path.exists(path):  # an upload past its time in the cache, sent again by the page
        raise refused(f"That photo is no longer on the server (uploads are deleted within "
                      f"{(CACHE_SECONDS + CACHE_CHECK_SECONDS) // 60} minutes): upload it again.")
    try:
        return io.read(path)
    except io.UnreadableImage as error:
        raise refused(f"Could not read that file: {error}") from None


class FrameRate:
    """Frames per second and time per frame of the live view over its last ``window`` frames."""

    def __init__(self, window: int = 20):
        self.window = window
        self.arrivals: list[float] = []
        self.costs: list[float] = []

    def add(self, arrived: float, cost: float) -> str:
        self.arrivals = (self.arrivals + [arrived])[-self.window :]
        self.costs = (self.costs + [cost])[-self.window :]
        if len(self.arrivals) < 2:
            return f"Live: {1000 * cost:.0f} ms for this frame."
        rate = (len(self.arrivals) - 1) / max(self.arrivals[-1] - self.arrivals[0], 1e-6)
        return (f"Live: {rate:.1f} frames per second shown, {1000 * np.median(self.costs):.0f} ms to unmask a frame "
                f"on this server (frames that arrive while one is drawn are skipped).")


def examples_cache(models_in_use: list[str]) -> Path:
    """Where Gradio caches the examples' results: a folder per set of weights, so a visitor never
    sees results of a model that is no longer served."""
    digest = hashlib.sha256("".join(weights.resolve(name).spec["sha256"] for name in models_in_use).encode()).hexdigest()
    return Path(".gradio") / "cached_examples" / digest[:12]


def example_files(kind: str) -> list[str]:
    """The example images of one tab: ``masked`` (every photo with masks on), ``unmasked`` (faces
    to put a mask on) or ``group`` (several faces)."""
    names = sorted(f for f in os.listdir(EXAMPLES_DIR) if f.lower().endswith((".png", ".jpg", ".jpeg")))
    chosen = {"unmasked": [f for f in names if f.startswith("unmasked")],
              "group": [f for f in names if f.startswith(("group", "two_faces"))],
              "masked": [f for f in names if not f.startswith("unmasked")]}[kind]
    return [os.path.join(EXAMPLES_DIR, f) for f in chosen]


def build_demo(get_unmasker: Callable[[str, str], Unmasker] = cached_unmasker, cache_examples: bool = True) -> gr.Blocks:
    def unmask_and_save(path: str | None, model: str, sketch_model: str, painted: np.ndarray | None, outline: bool,
                        progress: gr.Progress):
        photo = read_photo(path)
        progress(0.2, desc="finding faces, unmasking")
        try:
            result = get_unmasker(model, sketch_model).unmask(photo.pixels, painted=painted)
        except (NoFaceFound, PaintingMismatch) as error:
            raise refused(str(error)) from None
        result.notes[:0] = photo.notes
        before, after, sketch, download = save_outputs(result, outline)
        progress(1.0, desc="done")
        return (before, after), sketch, result.summary(), download

    def run(path: str | None, model: str, sketch: str = models.DEFAULT_SKETCH_MODEL, outline: bool = False,
            progress=gr.Progress()):
        return unmask_and_save(path, model, sketch, None, outline, progress)

    def run_painted(path: str | None, model: str, painting: dict | None, sketch: str = models.DEFAULT_SKETCH_MODEL,
                    outline: bool = False, progress=gr.Progress()):
        painted = painted_layers(painting)
        if painted is None or painting.get("background") is None:  # nothing painted, or not on the photo
            raise refused("Unmask the photo first, then paint over the piece of mask that is left.")
        return unmask_and_save(path, model, sketch, painted, outline, progress)

    def mask_on_and_off(path: str | None, mask_kind: str, model: str = models.DEFAULT_MODEL, progress=gr.Progress()):
        photo = read_photo(path, "a photo without a mask")
        if mask_kind not in masks.MASKS:
            raise refused(f"Choose a mask kind: {', '.join(masks.MASKS)}.")
        progress(0.2, desc="putting a mask on, taking it off, comparing")
        try:
            compared = get_unmasker(model, models.DEFAULT_SKETCH_MODEL).put_mask_on_and_off(photo.pixels, mask_kind)
        except NoFaceFound as error:
            raise refused(str(error)) from None
        original, masked, guess = save_images(original=compared.original, masked=compared.masked, guess=compared.guess)
        progress(1.0, desc="done")
        return original, masked, guess, compared.in_words(), save_download(compared.guess, "guess")

    def live(frame: np.ndarray | None, rate: FrameRate | None):
        rate = rate or FrameRate()
        if frame is None or np.asarray(frame).size == 0 or np.asarray(frame).ndim not in (2, 3):
            return gr.skip(), "Live: waiting for the webcam.", rate
        arrived = time.perf_counter()
        image = np.asarray(frame)
        scale = LIVE_MAX_SIDE / max(image.shape[:2])
        if scale < 1:  # a 4K webcam is drawn at the size the page shows it
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        result = get_unmasker(models.DEFAULT_MODEL, models.DEFAULT_SKETCH_MODEL).unmask_frame(image)
        text = rate.add(arrived, time.perf_counter() - arrived)
        return result.image, text + ("" if result.faces else " No face in view."), rate

    def find_faces(path: str | None, progress=gr.Progress()):
        photo = read_photo(path, "a group photo")
        progress(0.3, desc="finding faces")
        found = get_unmasker(models.DEFAULT_MODEL, models.DEFAULT_SKETCH_MODEL).find_faces(photo.pixels)
        if not found:
            raise refused("No face found. Try a photo where the faces are upright, well lit and at least about 60 pixels wide.")
        (shown,) = save_images(faces=overlay.faces(photo.pixels, found))
        usable = [f.number for f in found if f.left_alone is None]
        lines = [f"face {f.number}: " + (f"left alone, {f.left_alone}" if f.left_alone else "can be unmasked") for f in found]
        return shown, gr.CheckboxGroup(choices=[f.number for f in found], value=usable, visible=True), "\n".join(lines)

    def unmask_faces(path: str | None, numbers: list[int] | None, outline: bool = True, progress=gr.Progress()):
        photo = read_photo(path, "a group photo")
        if not numbers:
            raise refused("Find the faces first, then tick the ones to unmask.")
        progress(0.2, desc="unmasking the chosen faces")
        try:
            result = get_unmasker(models.DEFAULT_MODEL, models.DEFAULT_SKETCH_MODEL).unmask(
                photo.pixels, faces=[int(n) for n in numbers])
        except NoFaceFound as error:
            raise refused(str(error)) from None
        (shown,) = save_images(unmasked=overlay.faces(result.image, result.faces + result.left_alone,
                                                      result.redrawn if outline else None))
        return shown, result.summary(), save_download(result.image)

    models_in_use = [models.DEFAULT_MODEL, *kinds.kind_of(models.DEFAULT_MODEL).needs]
    if cache_examples:
        os.environ["GRADIO_EXAMPLES_CACHE"] = str(examples_cache(models_in_use))
    with gr.Blocks(title="unmask: a guess at the face under a mask", delete_cache=(CACHE_CHECK_SECONDS, CACHE_SECONDS)) as demo:
        gr.Markdown("# unmask\nUpload a selfie with a face mask: each face gets a synthesized nose, mouth and chin.")
        gr.Markdown(NOTICE, elem_id="notice")
        with gr.Tab("Unmask", elem_id="unmask-tab"):
            with gr.Row():
                with gr.Column():
                    photo = PhotoInput(label="Photo with a mask", type="filepath", image_mode=None,
                                       sources=["upload", "webcam", "clipboard"], elem_id="unmask-tab-photo")
                    model = gr.Dropdown(COLOUR_MODELS, value=models.DEFAULT_MODEL, label="Model")
                    sketch_choice = gr.Dropdown(models.SKETCHES, value=models.DEFAULT_SKETCH_MODEL, label="Sketch",
                                                info="pencil: drawn from the colour result; rgb2sketch: the seed's sketch model")
                    outline = gr.Checkbox(label="Outline what was redrawn", value=False, elem_id="outline")
                    button = gr.Button("Unmask", variant="primary", elem_id="unmask-button")
                with gr.Column():
                    slider = gr.ImageSlider(label="Before / after (synthesized)", type="filepath", elem_id="result-slider")
                    sketch = gr.Image(label="Pencil sketch (synthesized)", type="filepath", elem_id="result-sketch")
                    found = gr.Textbox(label="What was found", lines=3, elem_id="found")
                    download = gr.File(label="Download the result (PNG, labelled as synthesized)", elem_id="download")
            with gr.Accordion("A piece of the mask left? Paint over it", open=False):
                painting = gr.ImageEditor(label="The result: paint over what is left of the mask", type="numpy",
                                          sources=[], transforms=[], layers=False, elem_id="painting",
                                          brush=gr.Brush(colors=["#ff00ff"], color_mode="fixed", default_size=12))
                repaint = gr.Button("Unmask with the painted parts redrawn too", elem_id="repaint-button")
            gr.Examples([[f] for f in example_files("masked")], inputs=[photo], outputs=[slider, sketch, found, download],
                        fn=lambda path: run(path, models.DEFAULT_MODEL), cache_examples=cache_examples,
                        label="Examples: masks of every kind, and a group")
        with gr.Tab("Mask on/off", elem_id="mask-on-tab"):
            gr.Markdown("Try it on a face whose real lower face is known: a mask is drawn on your unmasked photo, "
                        "taken off again by the model, and the guess is measured against the real face.")
            with gr.Row():
                with gr.Column():
                    clean = PhotoInput(label="Photo without a mask", type="filepath", image_mode=None,
                                       sources=["upload", "webcam", "clipboard"], elem_id="mask-on-tab-photo")
                    mask_kind = gr.Dropdown(list(masks.MASKS), value="surgical", label="Mask to put on")
                    mask_button = gr.Button("Put it on and take it off", variant="primary", elem_id="mask-on-button")
                with gr.Column():
                    score = gr.Markdown(elem_id="mask-on-score")
                    guess_download = gr.File(label="Download the guess (PNG, labelled as synthesized)")
            with gr.Row():
                real_face = gr.Image(label="Real", type="filepath", elem_id="mask-on-real")
                masked_face = gr.Image(label="Mask put on", type="filepath", elem_id="mask-on-masked")
                guess_face = gr.Image(label="Taken off again (synthesized)", type="filepath", elem_id="mask-on-guess")
            gr.Examples([[f, "cloth"] for f in example_files("unmasked")], inputs=[clean, mask_kind])
        with gr.Tab("Live", elem_id="live-tab"):
            gr.Markdown("Your webcam, unmasked frame by frame on this server. Frames that arrive while one is being "
                        "drawn are skipped, so what you see is always the latest.")
            with gr.Row():
                webcam = gr.Image(label="Webcam", sources=["webcam"], streaming=True, type="numpy", elem_id="live-webcam")
                live_view = gr.Image(label="Unmasked (synthesized)", format="jpeg", elem_id="live-view")
            live_rate = gr.Markdown("Live: start the webcam.", elem_id="live-rate")
            rate_state = gr.State(None)
            # The same per-frame function as a plain endpoint, for clients that cannot stream (/live_frame).
            frame_in = PhotoInput(type="filepath", image_mode=None, visible=False)
            frame_button = gr.Button(visible=False)
        with gr.Tab("Group", elem_id="group-tab"):
            gr.Markdown("Find every face, choose which to unmask, and see what was redrawn.")
            with gr.Row():
                with gr.Column():
                    group_photo = PhotoInput(label="Group photo", type="filepath", image_mode=None,
                                             sources=["upload", "webcam", "clipboard"], elem_id="group-tab-photo")
                    find_button = gr.Button("Find the faces", elem_id="find-button")
                    # Every number a photo can have, so an API call needs no "find" first; the page shows the found ones.
                    chosen = gr.CheckboxGroup(label="Faces to unmask", choices=list(range(1, MAX_FACES + 1)), value=[],
                                              visible=False, elem_id="chosen-faces")
                    group_outline = gr.Checkbox(label="Outline what was redrawn", value=True)
                    group_button = gr.Button("Unmask the chosen faces", variant="primary", elem_id="group-button")
                with gr.Column():
                    group_view = gr.Image(label="Faces found / unmasked (synthesized)", type="filepath", elem_id="group-view")
                    group_text = gr.Textbox(label="Faces", lines=4, elem_id="group-text")
                    group_download = gr.File(label="Download the result (PNG, labelled as synthesized)")
            gr.Examples([[f] for f in example_files("group")], inputs=[group_photo])

        button.click(run, inputs=[photo, model, sketch_choice, outline], outputs=[slider, sketch, found, download],
                     api_name="unmask").success(
            lambda before_after: before_after[1] if before_after else None, inputs=[slider], outputs=[painting],
            api_visibility="private")  # the result, where what is left shows; the strokes stay for further runs
        photo.change(lambda: None, outputs=[painting], api_visibility="private")  # a new photo: nothing painted yet
        repaint.click(run_painted, inputs=[photo, model, painting, sketch_choice, outline],
                      outputs=[slider, sketch, found, download], api_name="unmask_painted")
        mask_button.click(mask_on_and_off, inputs=[clean, mask_kind], outputs=[real_face, masked_face, guess_face, score,
                                                                              guess_download], api_name="put_mask_on")
        webcam.stream(live, inputs=[webcam, rate_state], outputs=[live_view, live_rate, rate_state], api_name="live",
                      stream_every=LIVE_EVERY, time_limit=LIVE_SECONDS, concurrency_limit=LIVE_STREAMS,
                      api_visibility="private", show_progress="hidden")
        frame_button.click(lambda path: live(read_photo(path, "a webcam frame").pixels, None)[:2], inputs=[frame_in],
                           outputs=[live_view, live_rate],
                           api_name="live_frame", concurrency_limit=LIVE_STREAMS)
        find_button.click(find_faces, inputs=[group_photo], outputs=[group_view, chosen, group_text], api_name="find_faces")
        group_button.click(unmask_faces, inputs=[group_photo, chosen, group_outline],
                           outputs=[group_view, group_text, group_download], api_name="unmask_faces")
    CACHE.pages.append(demo)
    return demo.queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=CONCURRENCY)


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """glibc gives each worker thread its own heap ("arena") and frees into it; requests of
    different sizes in different threads then leave memory that none of them reuses. In a soak
    of mixed calls the server grew 7.5% in 8 minutes with the default, 2.3% with 2 arenas
    (docs/reliability.md). Same as MALLOC_ARENA_MAX=2; False where the C library is not glibc."""
    try:
        return ctypes.CDLL("libc.so.6").mallopt(-8, arenas) == 1  # -8: M_ARENA_MAX
    except (OSError, AttributeError):
        return False


if __name__ == "__main__":
    limit_malloc_arenas()  # before the worker threads start
    quiet.start(verbose="--verbose" in sys.argv[1:])  # library start-up chatter only with --verbose
    log.setLevel(logging.INFO)  # one line per refused request
    try:
        cached_unmasker(models.DEFAULT_MODEL, models.DEFAULT_SKETCH_MODEL)  # load and warm up before the first visitor
    except weights.WeightsError as error:
        sys.exit(f"unmask cannot start: {error}")
    build_demo().launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"), **LAUNCH_OPTIONS)
