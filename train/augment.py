"""The seed's augmentation in ``tf.data``: one random flip, applied alike to input and target.

The seed's generator flipped half of the pairs, each around a random axis (vertical, horizontal
or both); its zoom was switched off. ``zoom`` here is that zoom, off by default as in the seed.
"""
from __future__ import annotations

import tensorflow as tf


def seed_flip(*images: tf.Tensor) -> tuple[tf.Tensor, ...]:
    """Flip every image of one pair the same way: none (p=1/2), left-right, up-down or both."""
    do_flip = tf.random.uniform(()) < 0.5
    axis = tf.random.uniform((), 0, 3, dtype=tf.int32)  # cv2.flip codes 1, 0, -1
    left_right = do_flip & tf.not_equal(axis, 1)
    up_down = do_flip & tf.not_equal(axis, 0)

    def apply(image: tf.Tensor) -> tf.Tensor:
        image = tf.cond(left_right, lambda: tf.reverse(image, [1]), lambda: image)
        return tf.cond(up_down, lambda: tf.reverse(image, [0]), lambda: image)

    return tuple(apply(image) for image in images)


def zoom(*images: tf.Tensor, low: float = 0.4, high: float = 0.9) -> tuple[tf.Tensor, ...]:
    """Crop the same central fraction of every image and resize back (the seed's disabled zoom)."""
    keep = tf.random.uniform((), low, high)
    size = tf.shape(images[0])[:2]
    crop = tf.cast(tf.cast(size, tf.float32) * keep, tf.int32)
    offset = (size - crop) // 2
    return tuple(
        tf.image.resize(image[offset[0] : offset[0] + crop[0], offset[1] : offset[1] + crop[1]], size)
        for image in images
    )
