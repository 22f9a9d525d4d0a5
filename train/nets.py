"""Network definitions. Inference never imports this: the ``.keras`` files carry their graphs."""
from __future__ import annotations

import keras
from keras import layers

from unmask import frame


def seed_unet(out_channels: int = 3, name: str = "seed_unet") -> keras.Model:
    """The seed report's U-Net, layer for layer: 25 layers, 1,947,939 parameters with 3 outputs.

    Three 2x max-pool steps down (32-64-128-256 filters, two 3x3 ReLU convs each), three
    transposed-conv steps up, skip connections by addition, sigmoid output. The output layer is
    kept in float32 so the model can train under ``mixed_bfloat16``.
    """

    def conv(filters: int, x):
        return layers.Conv2D(filters, 3, activation="relu", padding="same")(x)

    inputs = keras.Input(shape=(frame.SIZE, frame.SIZE, 3))
    c1 = conv(32, conv(32, inputs))
    c2 = conv(64, conv(64, layers.MaxPooling2D(2)(c1)))
    c3 = conv(128, conv(128, layers.MaxPooling2D(2)(c2)))
    c4 = conv(256, conv(256, layers.MaxPooling2D(2)(c3)))
    u1 = layers.Conv2DTranspose(128, 3, strides=2, activation="relu", padding="same")(c4)
    a1 = layers.add([conv(128, conv(128, u1)), c3])
    u2 = layers.Conv2DTranspose(64, 3, strides=2, activation="relu", padding="same")(a1)
    a2 = layers.add([conv(64, conv(64, u2)), c2])
    u3 = layers.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same")(a2)
    a3 = layers.add([conv(32, conv(32, u3)), c1])
    outputs = layers.Conv2D(out_channels, 3, activation="sigmoid", padding="same", dtype="float32")(a3)
    return keras.Model(inputs, outputs, name=name)
