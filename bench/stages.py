"""Where the time goes: each stage of one request, cold start, and CLI throughput, as a table.

    python -m bench.stages [--repeats 30] [--cli-images 100] [--cold-starts 5]

Stages of one request for one face in a 1024x1024 JPEG: decode, detect, align, model (both the
colour and the sketch model), paste back, and encoding the three images the page returns the way
the app does (``app.save_outputs``: JPEG files); the PNG the CLI writes is timed too. Each is timed ``--repeats``
times; the table gives the median, the spread (25th-75th percentile) and its share of the whole
request. The whole request is compared with the colour network's bare forward pass (one crop),
and with the bare forward passes of every network the request runs (masknet on the crop and
its mirror image, the colour network on both too where it mirrors, the sketch network); the
colour network's FLOP rate is set against the CPU's float32 peak. Finding the mask and
inpainting one crop is timed with masknet's region alone and grown by colour
(``unmask.regions``), and GrabCut, which grows it, on its own.
A second whole request, a scarf that runs on past the frame (``examples/astronaut_scarf.jpg``,
drawn again in the widened frame), is set against its own networks' passes, the widened ones included.
"""
from __future__ import annotations

import argparse
import io as stdlib_io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
# The example MTCNN found at every size this bench scales it to (512-1024 px), so that the
# detector before issue 23 can be timed on it too.
EXAMPLE = ROOT / "examples" / "astronaut_n95.jpg"
SCARF_EXAMPLE = ROOT / "examples" / "astronaut_scarf.jpg"


def square_jpeg(path: Path, side: int = 1024) -> bytes:
    """The example scaled to ``side`` x ``side``, as the JPEG a user would upload."""
    buffer = stdlib_io.BytesIO()
    Image.open(path).convert("RGB").resize((side, side)).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def timed(function, repeats: int) -> tuple[float, float, float]:
    """Median, 25th and 75th percentile in milliseconds."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return float(np.median(samples)), float(np.percentile(samples, 25)), float(np.percentile(samples, 75))


def model_flops(model, size: int = 128) -> float:
    """Floating-point operations (2 per multiply-add) of one forward pass on a ``size`` square crop,
    from the conv layers. The networks take any frame size, so their layers' shapes are read off
    one pass of zeros."""
    import keras

    convs = [layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    probe = keras.Model(model.inputs, [tensor for layer in convs for tensor in (layer.input, layer.output)])
    shapes = [out.shape for out in probe([np.zeros((1, size, size, model.input_shape[-1]), np.float32)])]
    total = 0.0
    for layer, (inputs, outputs) in zip(convs, zip(shapes[0::2], shapes[1::2])):
        _, h, w, _ = inputs if isinstance(layer, keras.layers.Conv2DTranspose) else outputs
        total += 2.0 * h * w * np.prod(layer.kernel_size) * inputs[-1] * layer.filters
    return total


def cpu_peak_gflops() -> tuple[float, str]:
    """float32 peak: cores x clock x 64 (two AVX-512 FMA units x 16 lanes x 2 flops)."""
    mhz = max(float(line.split(":")[1]) for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("cpu MHz"))
    cores = os.cpu_count() or 1
    return cores * mhz / 1000 * 64, f"{cores} cores x {mhz / 1000:.2f} GHz x 64 flop/cycle (AVX-512 FMA, float32)"


def cold_start() -> dict[str, float]:
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from unmask.pipeline import Unmasker\n"
        "t1 = time.perf_counter(); u = Unmasker(); t2 = time.perf_counter()\n"
        f"u.unmask_file({str(EXAMPLE)!r}); t3 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)\n"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    total = time.perf_counter() - start
    imports, load, first = (float(v) for v in done.stdout.split())
    return {"import": imports, "load + warm-up": load, "first request": first, "process total": total}


def cli_throughput(count: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        photos = Path(folder) / "in"
        photos.mkdir()
        base = Image.open(EXAMPLE).convert("RGB")
        for i in range(count):
            size = 512 + (i % 5) * 128
            base.resize((size, size)).save(photos / f"{i:03d}.jpg", quality=90)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "unmask", str(photos), "-o", str(Path(folder) / "out"), "--sketch"],
                       cwd=ROOT, capture_output=True, check=True)
        seconds = time.perf_counter() - start
    return seconds, count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--cli-images", type=int, default=100)
    parser.add_argument("--cold-starts", type=int, default=5, help="fresh processes to time start-up in")
    parser.add_argument("--precision", default=None, help="auto (default), bfloat16 or float32")
    args = parser.parse_args()
    if args.precision:
        os.environ["UNMASK_PRECISION"] = args.precision

    from gradio.processing_utils import encode_pil_to_bytes

    import app
    from unmask import faces, frame, io, regions
    from unmask.pipeline import Unmasker

    starts = [cold_start() for _ in range(args.cold_starts)]
    jpeg = square_jpeg(EXAMPLE)

    unmasker = Unmasker()
    image = io.decode(jpeg)
    found = faces.detect(image)
    prepared = unmasker.pre_process(image)
    generated = unmasker.process(prepared)
    result = unmasker.post_process(prepared, generated)
    one_crop = np.stack([prepared.crops[0].pixels])

    def whole():
        app.save_outputs(unmasker.unmask_file(jpeg))

    (left_x, eye_y), (right_x, _) = found[0].landmarks[:2]
    painted = np.zeros(image.shape[:2], bool)  # a stroke over the forehead, as the page's second button sends one
    painted[int(eye_y - 0.6 * (right_x - left_x)) : int(eye_y - 0.3 * (right_x - left_x)), int(left_x) : int(right_x)] = True

    stages = {
        "decode (1024x1024 JPEG)": lambda: io.decode(jpeg),
        "detect (BlazeFace, as the request runs it)": lambda: faces.detect_close_up(image),
        "align": lambda: [frame.align(image, f.landmarks) for f in found],
        "models (all faces, one batch)": lambda: unmasker.process(prepared),
        "paste back (+ photo sketch)": lambda: unmasker.post_process(prepared, generated),
        "encode the page's files (3 JPEGs and the PNG to download)": lambda: app.save_outputs(result),
    }
    rows = {name: timed(fn, args.repeats) for name, fn in stages.items()}
    before = {}
    try:  # the detector the request ran before issue 23, timed in the same run
        from bench.detectors import MTCNN_COMMIT, mtcnn_baseline

        mtcnn = mtcnn_baseline()
        before[f"(not in the request) detect with MTCNN, as until commit {MTCNN_COMMIT}"] = timed(
            lambda: mtcnn.detect_close_up(image), args.repeats)
    except Exception as error:  # no git history or no mtcnn package: the table goes without it
        print(f"MTCNN baseline not timed: {error}", file=sys.stderr)
    whole_ms = timed(whole, args.repeats)
    library_ms = timed(lambda: unmasker.unmask_file(jpeg), args.repeats)
    painted_ms = timed(lambda: app.save_outputs(unmasker.unmask_file(jpeg, painted=painted)), args.repeats)
    seed_sketch = Unmasker(sketch_model="rgb2sketch")  # the default sketch before 2026-11-28
    seed_sketch_ms = timed(lambda: app.save_outputs(seed_sketch.unmask_file(jpeg)), args.repeats)
    png_ms = timed(lambda: io.encode_png(result.image), args.repeats)
    webp_ms = timed(lambda: encode_pil_to_bytes(Image.fromarray(result.image), "webp"), args.repeats)
    network_input = np.zeros((1, *one_crop.shape[1:3], unmasker.model.input_channels), np.uint8)  # same work, any pixels
    forward_ms = timed(lambda: unmasker.model.predict(network_input), args.repeats)
    # Each network on what the request gives it: masknet sees the crop and its mirror image, and so
    # does a generator that mirrors (``Unmasker.mirror``).
    masknet = unmasker.kind.needed.get("masknet")
    copies = 2 if unmasker.mirror else 1
    networks = [(masknet, np.concatenate([one_crop, one_crop[:, :, ::-1]])),
                (unmasker.model, np.repeat(network_input, copies, axis=0)), (unmasker.sketch_model, one_crop)]
    networks = [(m, x) for m, x in networks if m is not None]
    all_forward_ms = timed(lambda: [m.predict(x) for m, x in networks], args.repeats)
    # A scarf running on past the frame: the face is drawn again in the widened frame (frame.widen).
    scarf_jpeg = square_jpeg(SCARF_EXAMPLE)
    scarf = unmasker.pre_process(io.decode(scarf_jpeg))
    widened = len(unmasker.process(scarf).widened)
    scarf_ms = timed(lambda: app.save_outputs(unmasker.unmask_file(scarf_jpeg)), args.repeats)
    # Past the frame only the generator runs again (the region is grown by colour, not by masknet).
    wide_shape = frame.widen(scarf.image, scarf.crops[0]).pixels.shape[:2]
    wide_input = np.zeros((1, *wide_shape, unmasker.model.input_channels), np.uint8)
    scarf_networks = networks + ([(unmasker.model, np.repeat(wide_input, copies, axis=0))] if widened else [])
    scarf_forward_ms = timed(lambda: [m.predict(x) for m, x in scarf_networks], args.repeats)
    region_rows = {}
    if masknet is not None:  # finding the mask: what growing masknet's region by colour adds
        probability = regions.mask_probabilities(masknet, one_crop)[0]
        masknet_region = regions.clean(probability[None], grow=0)[0]
        photo = prepared.crops[0].photo
        for by_colour, name in ((False, "masknet's region alone"), (True, "region grown by colour, as the request runs it")):
            region_rows[f"(in models) find the mask + inpaint, 1 crop, {name}"] = timed(
                lambda: unmasker.kind.generate(one_crop, photo[None], by_colour=by_colour), args.repeats)
        region_rows["(in models) of which GrabCut, growing the region"] = timed(
            lambda: regions.grow_by_colour(one_crop[0], probability, masknet_region, photo), args.repeats)
    flops = model_flops(unmasker.model.model)
    peak, peak_text = cpu_peak_gflops()
    stage_sum = sum(median for median, _, _ in rows.values())

    print(f"precision: {unmasker.model.precision}, faces: {len(found)}, repeats: {args.repeats}\n")
    print("| stage | median ms | p25-p75 ms | share |")
    print("|---|---|---|---|")
    for name, (median, low, high) in rows.items():
        print(f"| {name} | {median:.1f} | {low:.1f}-{high:.1f} | {median / stage_sum:.0%} |")
    print(f"| **whole request** (unmask_file + the page's images) | {whole_ms[0]:.1f} | {whole_ms[1]:.1f}-{whole_ms[2]:.1f} | |")
    print(f"| the library's request (unmask_file: decode to paste back and sketch, as the CLI and Python API run it) | "
          f"{library_ms[0]:.1f} | {library_ms[1]:.1f}-{library_ms[2]:.1f} | |")
    print(f"| whole request with a painted stroke ({painted.sum()} px) redrawn too | {painted_ms[0]:.1f} | "
          f"{painted_ms[1]:.1f}-{painted_ms[2]:.1f} | |")
    print(f"| whole request with the sketch from rgb2sketch, not the pencil recipe | {seed_sketch_ms[0]:.1f} | "
          f"{seed_sketch_ms[1]:.1f}-{seed_sketch_ms[2]:.1f} | |")
    print(f"| bare forward pass, {unmasker.model.info.name} network, 1 crop | {forward_ms[0]:.1f} | "
          f"{forward_ms[1]:.1f}-{forward_ms[2]:.1f} | |")
    print(f"| bare forward passes of every network the request runs ({' + '.join(f'{m.info.name} x{len(x)}' for m, x in networks)} crops) | "
          f"{all_forward_ms[0]:.1f} | {all_forward_ms[1]:.1f}-{all_forward_ms[2]:.1f} | |")
    print(f"| whole request, a scarf running on past the frame ({SCARF_EXAMPLE.name} at 1024x1024, {widened} face drawn "
          f"again in the widened frame) | {scarf_ms[0]:.1f} | {scarf_ms[1]:.1f}-{scarf_ms[2]:.1f} | |")
    print(f"| bare forward passes of every network that request runs (the above + inpaint on the widened frame) | "
          f"{scarf_forward_ms[0]:.1f} | {scarf_forward_ms[1]:.1f}-{scarf_forward_ms[2]:.1f} | |")
    for name, (median, low, high) in {**region_rows, **before}.items():
        print(f"| {name} | {median:.1f} | {low:.1f}-{high:.1f} | |")
    print(f"| (not in the request) one image as WebP, Gradio's default | {webp_ms[0]:.1f} | {webp_ms[1]:.1f}-{webp_ms[2]:.1f} | |")
    print(f"| (not in the request) PNG as the CLI writes it | {png_ms[0]:.1f} | {png_ms[1]:.1f}-{png_ms[2]:.1f} | |")
    print(f"\nwhole request / bare forward pass of {unmasker.model.info.name}: {whole_ms[0] / forward_ms[0]:.1f}x; "
          f"/ all networks' bare forward passes: {whole_ms[0] / all_forward_ms[0]:.1f}x; the library's request / all "
          f"networks' bare forward passes: {library_ms[0] / all_forward_ms[0]:.1f}x; the scarf's whole request / its "
          f"networks' bare forward passes: {scarf_ms[0] / scarf_forward_ms[0]:.1f}x")
    achieved = flops / (forward_ms[0] / 1000) / 1e9
    print(f"model: {flops / 1e9:.2f} GFLOP per face, {achieved:.0f} GFLOP/s = {achieved / peak:.0%} of the float32 peak "
          f"({peak:.0f} GFLOP/s = {peak_text})")
    print(f"\ncold start, median of {len(starts)} fresh processes: "
          + ", ".join(f"{k} {np.median([s[k] for s in starts]):.2f} s" for k in starts[0])
          + f" (process total {min(s['process total'] for s in starts):.2f}-{max(s['process total'] for s in starts):.2f} s)")
    if args.cli_images:
        seconds, rate = cli_throughput(args.cli_images)
        print(f"CLI on {args.cli_images} photos (512-1024 px, --sketch): {seconds:.1f} s, {rate:.2f} photos/s, "
              f"{1000 / rate:.0f} ms per photo including start-up")


if __name__ == "__main__":
    main()
