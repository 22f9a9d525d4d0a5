"""``python -m train all|prepare|fit|face-check|blend|evaluate|look|photos|publish``: ``all`` rebuilds every bundled model."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from train.recipe import ALL_MODELS
from unmask import models

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_DATA = Path("../shared/data")
DEFAULT_CACHE = Path("build/data")
PRECISION_HELP = ("auto (default): mixed bfloat16 on a GPU or a CPU with AMX or AVX512-BF16, where it is several "
                  "times faster; float32 elsewhere (bfloat16 is emulated on AVX2, 9x slower)")


def faces_count(text: str) -> int:
    """A face count, or 'all' for every file the split holds."""
    return sys.maxsize if text == "all" else int(text)


def file_range(text: str) -> tuple[int, int]:
    """'START:STOP' -> (START, STOP)."""
    start, _, stop = text.partition(":")
    if not (start.isdigit() and stop.isdigit() and int(start) < int(stop)):
        raise argparse.ArgumentTypeError(f"expected START:STOP with START < STOP, got {text!r}")
    return int(start), int(stop)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    every = commands.add_parser("all", help="rebuild every shipped model from scratch: prepare, fit, evaluate, bundle")
    every.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding faces/utkface and faces/aaf")
    every.add_argument("--quick", action="store_true", help="the same recipe at a size that runs in minutes (CI)")
    every.add_argument("--models", nargs="+", default=list(ALL_MODELS), choices=ALL_MODELS)
    every.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    every.add_argument("--bundle", type=Path, default=Path("build/weights"),
                       help="where the .keras files and their JSON go (copy them into unmask/weights to ship them)")
    every.add_argument("--runs", type=Path, default=Path("runs"))
    every.add_argument("--reports", type=Path, default=Path("reports"))
    every.add_argument("--precision", choices=["auto", "bfloat16", "float32"], default="auto", help=PRECISION_HELP)

    prep = commands.add_parser("prepare", help="detect, align and mask faces into cached .npz splits")
    prep.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding faces/utkface and faces/aaf")
    prep.add_argument("--faces", nargs="+", default=["utkface"],
                      help="folders under DATA/faces to take faces from; each split takes its sizes from each folder")
    prep.add_argument("--out", type=Path, default=DEFAULT_CACHE)
    prep.add_argument("--train-faces", type=faces_count, default=1000,
                      help="how many training faces (the seed used 1000), or 'all' for every usable one")
    prep.add_argument("--val-faces", type=int, default=100)
    prep.add_argument("--test-faces", type=int, default=400)
    prep.add_argument("--train-masks", default="seed",
                      help="'seed' (one of each of the seed's 4 kinds), 'all' (one of every kind) or a count of random kinds")
    prep.add_argument("--seed", type=int, default=0)

    fit = commands.add_parser("fit", help="train a model with the seed's recipe")
    fit.add_argument("model", choices=["rgb2rgb", "rgb2sketch", "masknet", "inpaint"])
    fit.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    fit.add_argument("--epochs", type=int, default=None,
                     help="default: the seed's (50 rgb2rgb, 100 rgb2sketch); 8 masknet, 15 inpaint")
    fit.add_argument("--batch-size", type=int, default=16)
    fit.add_argument("--precision", choices=["auto", "bfloat16", "float32"], default="auto", help=PRECISION_HELP)
    fit.add_argument("--runs", type=Path, default=Path("runs"))
    fit.add_argument("--bundle", type=Path, default=Path("unmask/weights"), help="where the final .keras and JSON go")
    fit.add_argument("--resume", action="store_true",
                     help="rgb2rgb/rgb2sketch: continue the run in --runs up to --epochs in all; "
                          "inpaint: continue the bundled generator for --epochs more, rates decaying to 0")
    fit.add_argument("--l1-weight", type=float, default=100.0,
                     help="inpaint: weight of L1 against the adversarial loss (pix2pix: 100); lower draws more texture")
    fit.add_argument("--line-weight", type=float, default=0.0,
                     help="inpaint: weight of L1 between differences across, averaged over 15 rows of each column (0: off); "
                          "charges vertical lines the photo lacks, not texture")
    fit.add_argument("--reach-up", type=int, default=0,
                     help="inpaint: take each training region a random 0..N px further up towards the eyes, as a region painted over a binding is")
    fit.add_argument("--reach-down", type=int, default=0,
                     help="inpaint: run each training region on a random 0..N px further down, as a mask that ends on the neck does")
    fit.add_argument("--minutes", type=float, default=None, help="inpaint: stop after the epoch that passes this budget")
    fit.add_argument("--mid-epoch", action="store_true",
                     help="inpaint with --minutes: stop at the step the budget runs out, not at the epoch's end; --go-on picks up there")
    fit.add_argument("--decay", action="store_true",
                     help="inpaint from scratch: rates constant for half of --epochs, then decaying to 0 (train all's schedule)")
    fit.add_argument("--go-on", action="store_true",
                     help="inpaint with --decay: go on from the checkpoint a cut-off run left in --runs, up to --epochs in all")

    check = commands.add_parser("face-check", help="train the detector's second opinion on faces it is unsure of")
    check.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding faces/utkface and faces/aaf")
    check.add_argument("--faces", nargs="+", default=["utkface", "aaf"], help="folders under DATA/faces")
    check.add_argument("--count", type=int, default=3000, help="photos of each folder, and generated textures")
    check.add_argument("--epochs", type=int, default=8)
    check.add_argument("--out", type=Path, default=Path("unmask/weights/detector"), help="where face_check.tflite and its JSON go")

    blend = commands.add_parser("blend", help="move the bundled generator part of the way towards a continuation of it")
    blend.add_argument("model", choices=["inpaint"])
    blend.add_argument("--towards", type=Path, required=True, help="bundle folder of the continued generator")
    blend.add_argument("--weight", type=float, default=0.5, help="0 keeps the bundled generator, 1 takes the other")
    blend.add_argument("--bundle", type=Path, default=Path("unmask/weights"))

    cut = commands.add_parser("bundle-checkpoint", help="bundle the inpaint generator a cut-off fit left after its last epoch")
    cut.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    cut.add_argument("--runs", type=Path, default=Path("runs"))
    cut.add_argument("--bundle", type=Path, required=True, help="the bundle the fit continued (its JSON is extended)")
    cut.add_argument("--fit-command", required=True, help="the fit command that was cut off, for the JSON")
    cut.add_argument("--recipe", required=True, help="its losses and schedule in words, for the JSON")
    cut.add_argument("--from-scratch", action="store_true", help="the fit started from scratch (--decay): its record replaces the bundle's")

    ev = commands.add_parser("evaluate", help="PSNR/SSIM of models and OpenCV inpainting on the test split")
    ev.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ev.add_argument("--models", nargs="+", default=["rgb2rgb", "rgb2sketch"])
    ev.add_argument("--reports", type=Path, default=Path("reports"))
    ev.add_argument("--weights", type=Path, default=Path("unmask/weights"),
                    help="folder of the models to score (a candidate bundle: copy unmask/weights, then train into it)")
    ev.add_argument("--runs", type=Path, default=Path("runs"), help="training logs for the loss curves in the report")
    ev.add_argument("--update-json", action="store_true", help="write the metrics into the JSON beside each model in --weights")
    ev.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding real_masked/ for the looking sheet")

    look = commands.add_parser("look", help="sheets of real masked photos to judge by eye, input beside each bundle's result")
    look.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding real_masked/")
    look.add_argument("--files", type=file_range, default=(200, 400),
                      help="START:STOP of the photos sorted by name (default 200:400, the set the last count used)")
    look.add_argument("--bundles", type=Path, nargs="+", default=[Path("unmask/weights")],
                      help="weight folders to compare, each holding masknet and inpaint (a copy of unmask/weights trained into)")
    look.add_argument("--out", type=Path, default=Path("build/look"))
    look.add_argument("--masknet-alone", action="store_true",
                      help="also show each bundle's result with masknet's region alone, before it is grown into the mask's colours")
    look.add_argument("--whole", action="store_true",
                      help="whole returned photos (Unmasker.unmask): the face and what lies around it, not frame tiles")
    look.add_argument("--frame-only", action="store_true", help="with --whole: without the widened frame, for comparison")

    photos = commands.add_parser("photos", help="the app on whole real photos: mask ghosts, and seams at the frame's edge")
    photos.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding real_masked/")
    photos.add_argument("--files", type=file_range, default=(600, 800), help="START:STOP of the photos sorted by name")
    photos.add_argument("--model", default=models.DEFAULT_MODEL, choices=models.MAIN_MODELS, help="the colour model")
    photos.add_argument("--sketch-model", default=models.DEFAULT_SKETCH_MODEL, choices=models.SKETCHES,
                        help="pencil (from the colour result) or a sketch model")
    photos.add_argument("--out", type=Path, default=Path("build/photos"))

    user = commands.add_parser("photo-test", help="score whole test photos as Unmasker.unmask returns them, at 1x, 2x and 4x")
    user.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding faces/")
    user.add_argument("--cache", type=Path, default=DEFAULT_CACHE / "utkface-aaf", help="a prepared cache: its test people are used")
    user.add_argument("--bundles", nargs="+", default=["shipped"], metavar="LABEL[=FOLDER]",
                      help="weight folders to compare; 'shipped' alone means unmask's own weights")
    user.add_argument("--model", default=models.DEFAULT_MODEL, choices=models.MAIN_MODELS)
    user.add_argument("--scales", nargs="+", type=int, default=[1, 2, 4])
    user.add_argument("--per-set", type=int, default=None, help="at most this many people from each face folder")
    user.add_argument("--reports", type=Path, default=Path("reports/photo_test"))
    user.add_argument("--without-grain", action="store_true", help="also score each bundle without matching the photo's grain")
    user.add_argument("--without-widening", action="store_true",
                      help="also score each bundle without redrawing masks that run past the frame in a widened one")
    user.add_argument("--without-mirror", action="store_true",
                      help="also score each bundle drawing each face once, not averaged with its mirror image's")
    user.add_argument("--sheet-photos", type=int, default=6, help="photos per face folder and scale on the contact sheets")

    pub = commands.add_parser("publish", help="upload the bundled models and a model card to the Hub, tagged")
    pub.add_argument("--repo-id", required=True, help="OWNER/NAME on the Hugging Face Hub")
    pub.add_argument("--models", nargs="+", default=["rgb2rgb", "rgb2sketch"])
    pub.add_argument("--out", type=Path, default=Path("build/publish"), help="where the upload folder is built")
    pub.add_argument("--dry-run", action="store_true", help="build the folder, upload nothing")

    args = parser.parse_args(argv)
    if getattr(args, "precision", None) == "auto":
        from train.fit import training_precision

        args.precision = training_precision(args.precision)
    if args.command == "all":
        from train.recipe import train_all

        metrics = train_all(args.data, args.cache, args.bundle, args.runs, args.reports, "quick" if args.quick else "full",
                            tuple(args.models), args.precision)
        print(json.dumps(metrics, indent=2))
    elif args.command == "prepare":
        from train.prepare import SplitSizes, prepare, preview

        masks_per_face = args.train_masks if args.train_masks in ("seed", "all") else int(args.train_masks)
        summary = prepare([args.data / "faces" / name for name in args.faces], args.out,
                          SplitSizes(args.train_faces, args.val_faces, args.test_faces), args.seed, masks_per_face)
        preview(args.out, args.out / "preview.png")
        print(json.dumps(summary["splits"], indent=2))
    elif args.command == "fit":
        if args.model in ("rgb2rgb", "rgb2sketch"):
            from train.fit import fit_seed_model

            fit_seed_model(args.model, args.cache, args.epochs, args.batch_size, args.precision, args.runs, args.bundle,
                           args.resume)
        else:
            from train import gan

            epochs = args.epochs or {"masknet": 8, "inpaint": 15}[args.model]
            if args.model == "masknet":
                gan.fit_masknet(args.cache, epochs, args.batch_size, args.precision, args.runs, args.bundle)
            else:
                gan.fit_inpaint(args.cache, epochs, args.batch_size, args.precision, args.runs, args.bundle, args.minutes,
                                args.resume, args.l1_weight, args.line_weight, args.reach_up,
                                args.reach_down, args.decay, args.go_on, args.mid_epoch)
    elif args.command == "face-check":
        from train.face_check import fit_face_check
        from train.recipe import RECIPES

        config = fit_face_check([args.data / "faces" / name for name in args.faces], args.out,
                                RECIPES["full"].mask_cache.sizes, args.count, args.epochs)
        print(json.dumps(config["metrics"] | {"threshold": config["threshold"]}, indent=2))
    elif args.command == "blend":
        from train.gan import blend_inpaint

        blend_inpaint(args.bundle, args.towards, args.weight)
    elif args.command == "bundle-checkpoint":
        from train.gan import bundle_checkpoint

        bundle_checkpoint(args.cache, args.runs, args.bundle, args.fit_command, args.recipe, args.from_scratch)
    elif args.command == "evaluate":
        from train.evaluate import evaluate

        evaluate(args.cache, args.models, args.reports, args.update_json, weights_dir=args.weights, runs=args.runs,
                 real_dir=args.data / "real_masked")
    elif args.command == "look":
        from train.look import look, look_whole

        if args.whole:
            look_whole(args.data / "real_masked", *args.files, args.bundles, args.out, widen=not args.frame_only)
        else:
            look(args.data / "real_masked", *args.files, args.bundles, args.out, args.masknet_alone)
    elif args.command == "photos":
        from train.photos import check_photos

        check_photos(args.data / "real_masked", *args.files, args.model, args.sketch_model, args.out)
    elif args.command == "photo-test":
        from train.photo_test import photo_test

        bundles = {label: (Path(folder) if folder else None) for label, _, folder in (b.partition("=") for b in args.bundles)}
        photo_test(args.data, args.cache, bundles, args.reports, tuple(args.scales), args.per_set, args.model,
                   args.without_grain, args.sheet_photos, args.without_widening, args.without_mirror)
    elif args.command == "publish":
        from train.publish import publish

        publish(args.repo_id, args.models, args.out, args.dry_run)


if __name__ == "__main__":
    main()
