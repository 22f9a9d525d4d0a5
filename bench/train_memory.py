"""Does training's memory grow with epochs? Resident memory after every epoch, as a table.

    python -m bench.train_memory [--cache build/data] [--epochs 8] [--steps 40]

Two runs in one process over a prepared cache (``python -m train prepare``): the input pipeline
alone (``train.fit.dataset``: shuffle, scale, random flips, batches, prefetch) for full epochs,
then the seed network training on it for ``--steps`` batches per epoch. Memory that grows with
epochs would show as a rising "RSS now"; the peak is the process's high-water mark.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def rss_mib() -> tuple[float, float]:
    """(resident now, peak resident) of this process in MiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path("build/data"))
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=40, help="training batches per epoch in the second run")
    args = parser.parse_args()

    import keras

    from train import fit, nets
    from train.prepare import load_split

    start = rss_mib()
    train = load_split(args.cache, "train")
    x, y = fit.pairs(train, "rgb2rgb")
    loaded = rss_mib()
    print(f"{len(x)} training pairs from {args.cache}: RSS {start[0]:.0f} MiB at start, {loaded[0]:.0f} MiB with the cache loaded\n")

    rows = []
    pipeline = fit.dataset(x, y, batch_size=16, training=True)
    for epoch in range(args.epochs):
        for _ in pipeline:
            pass
        rows.append(("input pipeline, full epoch", epoch + 1, *rss_mib()))

    class Memory(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rows.append((f"training, {args.steps} batches", epoch + 1, *rss_mib()))

    fit.compute_in("bfloat16")
    model = nets.seed_unet(3)
    model.compile(optimizer=keras.optimizers.Adam(0.002), loss="binary_crossentropy")
    model.fit(pipeline.repeat(), steps_per_epoch=args.steps, epochs=args.epochs, callbacks=[Memory()], verbose=0)

    print("| run | epoch | RSS now MiB | peak RSS MiB |")
    print("|---|---|---|---|")
    for run, epoch, now, peak in rows:
        print(f"| {run} | {epoch} | {now:.0f} | {peak:.0f} |")
    for run in dict.fromkeys(row[0] for row in rows):
        mine = [row for row in rows if row[0] == run]
        print(f"\n{run}: RSS after epoch 2 {mine[1][2]:.0f} MiB, after epoch {len(mine)} {mine[-1][2]:.0f} MiB "
              f"({mine[-1][2] - mine[1][2]:+.0f} MiB)")


if __name__ == "__main__":
    main()
