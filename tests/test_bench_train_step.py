"""bench.train_step runs real steps of the GAN and times them (the table itself is run by hand: docs/performance.md)."""
from bench.train_step import time_steps


def test_a_timed_step_trains_the_gan_in_float32():
    assert time_steps("float32", steps=1, batch_size=2) > 0
