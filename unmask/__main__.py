"""``python -m unmask INPUT... -o OUTDIR``: unmask photos in bulk.

For each input NAME.ext it writes OUTDIR/NAME.png (same size as the input) and, with --sketch,
OUTDIR/NAME_sketch.png. It never writes over a file: where that name is an input, an existing
file or a result of the same run (two inputs called NAME), a number is added (NAME-1.png) and
a line says so. --overwrite-results lets it replace earlier results of unmask (PNGs labelled as
synthesized), never anything else. Each file is written whole or not at all (a temporary file,
then renamed), so a run that is stopped leaves no half-written PNG.

A file that fails gets one line on stderr and the rest still run; the exit status is 1 if any
failed or an argument is wrong (2 for usage errors). Every PNG says in its metadata that it is
synthesized.

Where a piece of mask is left, paint over it in any image editor, save the painting as a
black-and-white image of the photo's size (white: mask) and run the one photo again with
``--paint PAINTING``: the painted pixels are redrawn too.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from unmask import io, masks, models, outputs, quiet
from unmask.pipeline import NoFaceFound, PaintingMismatch, Result, Unmasker
from unmask.sketch import pencil_sketch
from unmask.weights import WeightsError

# What a user's file can be refused for: one stderr line each, and the other files still run.
USER_ERRORS = (io.UnreadableImage, NoFaceFound, PaintingMismatch)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def expand(inputs: list[Path]) -> list[Path]:
    """Files as given (any suffix: decoding decides), folders as their image files, sorted; each once."""
    files, seen = [], set()
    for item in inputs:
        found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES) if item.is_dir() else [item]
        for path in found:
            resolved = path.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append(path)
    return files


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="python -m unmask", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    built.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="image files or folders")
    built.add_argument("-o", "--out", type=Path, required=True, help="output folder (created if missing)")
    built.add_argument("--model", default=models.DEFAULT_MODEL, choices=models.MAIN_MODELS)
    built.add_argument("--sketch", action="store_true", help="also write NAME_sketch.png")
    built.add_argument("--sketch-model", default=models.DEFAULT_SKETCH_MODEL, choices=models.SKETCHES,
                       help="pencil: the seed's pencil recipe on the colour result; rgb2sketch: the seed's sketch model")
    built.add_argument("--assume-crop", action="store_true", help="treat an image with no detected face as one face crop")
    built.add_argument("--paint", type=Path, metavar="PAINTING",
                       help="black-and-white image of the photo's size, white where mask was left: redrawn too (one input only)")
    built.add_argument("--overwrite-results", action="store_true",
                       help="replace earlier unmask results of the same name instead of numbering new ones "
                            "(files not written by unmask are never replaced)")
    built.add_argument("--put-mask-on", metavar="KIND", choices=list(masks.MASKS),
                       help="for unmasked photos: draw a mask of KIND, take it off again, write the guess as NAME.png "
                            "and print how close it came to the real face (" + ", ".join(masks.MASKS) + ")")
    built.add_argument("--verbose", action="store_true", help="show the libraries' start-up and log lines")
    return built


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    files = expand(args.inputs)
    if not files:
        return fail("no image files found in the inputs")
    if args.out.exists() and not args.out.is_dir():
        return fail(f"-o {args.out} is a file; give a folder for the results")
    painted = None
    if args.paint:
        if len(files) != 1:
            return fail(f"--paint goes with one photo, not {len(files)}")
        try:
            painted = io.read(args.paint).pixels.max(axis=2)  # white (any bright channel) is mask
        except io.UnreadableImage as error:
            return fail(f"{args.paint}: {error}")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return fail(f"cannot create the output folder {args.out}: {error.strerror or error}")

    quiet.start(args.verbose)
    try:
        unmasker = Unmasker(args.model, args.sketch_model if args.sketch else None)
    except WeightsError as error:
        return fail(str(error))
    plan = outputs.plan(files, args.out, args.overwrite_results)
    failed = 0
    try:
        for planned in tqdm(plan, desc="unmask", unit="image", disable=len(plan) < 2):
            failed += not unmask_one(unmasker, planned, args, painted)
    except KeyboardInterrupt:
        print("\nstopped: the results written so far are complete; nothing was half-written", file=sys.stderr)
        return 130
    return 1 if failed else 0


def unmask_one(unmasker: Unmasker, planned: outputs.Planned, args: argparse.Namespace, painted) -> bool:
    """Unmask one file and write its results; one stderr line per problem. True when written."""
    path = planned.source
    try:
        if args.put_mask_on:
            photo = io.read(path)
            compared = unmasker.put_mask_on_and_off(photo.pixels, args.put_mask_on)
            tqdm.write(f"{path}: " + compared.in_words().replace("\n", "\n  "))
            result = Result(photo.pixels, compared.guess, pencil_sketch(compared.guess), [], photo.notes)
        else:
            result = unmasker.unmask_file(path, assume_crop=args.assume_crop, painted=painted)
    except USER_ERRORS as error:
        tqdm.write(f"{path}: {error}", file=sys.stderr)
        return False
    for note in result.notes:
        tqdm.write(f"{path}: {note}", file=sys.stderr)
    if planned.renamed:
        tqdm.write(f"{path}: written as {planned.result.name} (the plain name was taken)", file=sys.stderr)
    try:
        outputs.write_new(planned.result, io.encode_png(result.image), args.overwrite_results)
        if args.sketch:
            outputs.write_new(planned.sketch, io.encode_png(result.sketch), args.overwrite_results)
    except OSError as error:
        tqdm.write(f"{path}: could not write {error.filename or planned.result}: {error.strerror or error}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
