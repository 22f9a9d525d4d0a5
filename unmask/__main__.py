"""``python -m unmask INPUT... -o OUTDIR``: unmask photos in bulk.

For each input NAME.ext it writes OUTDIR/NAME.png (same size as the input) and, with --sketch,
OUTDIR/NAME_sketch.png. A file that fails gets one line on stderr and the rest still run; the
exit status is 1 if any failed. Every written PNG says in its metadata that it is synthesized.

Where a piece of mask is left, paint over it in any image editor, save the painting as a
black-and-white image of the photo's size (white: mask) and run the one photo again with
``--paint PAINTING``: the painted pixels are redrawn too.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm import tqdm

from unmask import io, models
from unmask.weights import WeightsError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def expand(inputs: list[Path]) -> list[Path]:
    """Files as given (any suffix: decoding decides), folders as their image files, sorted."""
    files = []
    for item in inputs:
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(item)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unmask", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image files or folders")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    parser.add_argument("--model", default=models.DEFAULT_MODEL, choices=models.MAIN_MODELS)
    parser.add_argument("--sketch", action="store_true", help="also write NAME_sketch.png")
    parser.add_argument("--sketch-model", default=models.DEFAULT_SKETCH_MODEL, choices=models.SKETCHES,
                        help="pencil: the seed's pencil recipe on the colour result; rgb2sketch: the seed's sketch model")
    parser.add_argument("--assume-crop", action="store_true", help="treat an image with no detected face as one face crop")
    parser.add_argument("--paint", type=Path, metavar="PAINTING",
                        help="black-and-white image of the photo's size, white where mask was left: redrawn too (one input only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    from unmask.pipeline import NoFaceFound, PaintingMismatch, Unmasker

    files = expand(args.inputs)
    if not files:
        print("error: no image files found in the inputs", file=sys.stderr)
        return 1
    painted = None
    if args.paint:
        if len(files) != 1:
            print(f"error: --paint goes with one photo, not {len(files)}", file=sys.stderr)
            return 1
        try:
            painted = io.read(args.paint).pixels.max(axis=2)  # white (any bright channel) is mask
        except io.UnreadableImage as error:
            print(f"error: {args.paint}: {error}", file=sys.stderr)
            return 1
    try:
        unmasker = Unmasker(args.model, args.sketch_model if args.sketch else None)
    except WeightsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in tqdm(files, desc="unmask", unit="image", disable=len(files) < 2):
        try:
            result = unmasker.unmask_file(path, assume_crop=args.assume_crop, painted=painted)
        except (io.UnreadableImage, NoFaceFound, PaintingMismatch) as error:
            failed += 1
            tqdm.write(f"{path}: {error}", file=sys.stderr)
            continue
        for note in result.notes:
            tqdm.write(f"{path}: {note}", file=sys.stderr)
        (args.out / f"{path.stem}.png").write_bytes(io.encode_png(result.image))
        if args.sketch:
            (args.out / f"{path.stem}_sketch.png").write_bytes(io.encode_png(result.sketch))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
