"""Seconds per training step of the inpaint GAN, float32 against mixed bfloat16, as a table.

    python -m bench.train_step [--steps 3] [--batch-size 16]

What ``train.fit.training_precision`` chooses by: mixed bfloat16 is several times faster than
float32 on a CPU with AMX, and several times slower where bfloat16 is emulated (AVX2 only).
Each precision runs in its own process (Keras' dtype policy is global), on random batches, after
one step that traces the graph.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def time_steps(precision: str, steps: int, batch_size: int) -> float:
    """Mean seconds of one generator-and-discriminator step under ``precision``."""
    import keras
    import numpy as np
    import tensorflow as tf

    from train import fit, gan, nets

    fit.compute_in(precision)
    model = gan.InpaintGAN(nets.inpaint_generator(), nets.patch_discriminator(), 60, 600)
    model.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    rng = np.random.default_rng(0)
    images = [tf.constant(rng.random((batch_size, 128, 128, 3), np.float32)) for _ in range(2)]
    region = tf.constant((rng.random((batch_size, 128, 128, 1)) < 0.3).astype(np.float32))
    batch = (*images, region, tf.ones_like(region))
    step = tf.function(model.train_step)
    step(batch)
    start = time.perf_counter()
    for _ in range(steps):
        step(batch)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--only", choices=["float32", "bfloat16"], help=argparse.SUPPRESS)  # one child process
    args = parser.parse_args()
    if args.only:
        print(json.dumps(time_steps(args.only, args.steps, args.batch_size)))
        return

    from unmask.models import cpu_has_fast_bfloat16

    seconds = {}
    for precision in ("float32", "bfloat16"):
        child = subprocess.run([sys.executable, "-m", "bench.train_step", "--only", precision, "--steps", str(args.steps),
                                "--batch-size", str(args.batch_size)], capture_output=True, text=True, check=True)
        seconds[precision] = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"CPU with fast bfloat16 (AMX or AVX512-BF16): {cpu_has_fast_bfloat16()}; batch {args.batch_size}, {args.steps} steps")
    print("| precision | s/step | x float32 |")
    print("| --- | --- | --- |")
    for precision, value in seconds.items():
        print(f"| {precision} | {value:.2f} | {value / seconds['float32']:.2f} |")


if __name__ == "__main__":
    main()
