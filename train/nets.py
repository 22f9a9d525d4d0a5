"""Network definitions. Inference never imports this: the ``.keras`` files carry their graphs."""
from __future__ import annotations

import math

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


def mask_segmenter(name: str = "masknet") -> keras.Model:
    """A small U-Net that finds the mask: RGB face in, probability of "covered by a mask" out.

    Concatenating skips, 16-32-64-128-256 filters: the mask is a large, smooth region, so a light
    network is enough and it costs little next to the inpainting generator. The fourth level
    (8x8 at the bottom) sees the whole lower face at once, which tells a scarf or printed mask
    from the shirt below it.
    """

    def block(filters: int, x):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)

    inputs = keras.Input(shape=(frame.SIZE, frame.SIZE, 3))
    skips, x = [], inputs
    for filters in (16, 32, 64, 128):
        x = block(filters, x)
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)
    x = block(256, x)
    for filters, skip in zip((128, 64, 32, 16), reversed(skips)):
        x = layers.UpSampling2D(2)(x)
        x = block(filters, layers.Concatenate()([x, skip]))
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def inpaint_generator(name: str = "inpaint", size: int = frame.SIZE) -> keras.Model:
    """pix2pix-style U-Net generator that sees the face with the mask region blanked, plus the region.

    Input: 4 channels (RGB with the region set to 0, then the region as 0/1). Output: RGB in
    [0, 1]; only its pixels inside the region are used, everything else stays the photo's own.
    Encoder: 4x4 stride-2 convolutions down to 4x4 (its receptive field covers the whole face);
    decoder: upsampling + 3x3 convolutions (no checkerboard) with concatenated skips. A larger
    ``size`` (``bench.resolution`` times 256) gets one more 256-filter level per doubling, so the
    bottom still sees the whole face.
    """
    inputs = keras.Input(shape=(size, size, 4))
    extra_levels = int(round(math.log2(size / frame.SIZE)))
    skips, x = [], inputs
    for i, filters in enumerate((64, 128, 256, 256, 256) + (256,) * extra_levels):
        x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=i == 0)(x)
        if i > 0:
            x = layers.GroupNormalization(groups=16)(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for filters, skip in zip((256,) * extra_levels + (256, 256, 128, 64), reversed(skips[:-1])):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.GroupNormalization(groups=16)(x)
        x = layers.ReLU()(layers.Concatenate()([x, skip]))
    x = layers.UpSampling2D(2, interpolation="bilinear")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(layers.Concatenate()([x, inputs]))
    outputs = layers.Conv2D(3, 3, padding="same", activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def patch_discriminator(name: str = "patch_discriminator") -> keras.Model:
    """PatchGAN (pix2pix): judges overlapping ~46x46 patches of (condition, image) as real or made up.

    Input: the 4-channel generator input and a 3-channel face; output: 16x16 logits.
    """
    condition = keras.Input(shape=(frame.SIZE, frame.SIZE, 4))
    image = keras.Input(shape=(frame.SIZE, frame.SIZE, 3))
    x = layers.Concatenate()([condition, image])
    for i, (filters, stride) in enumerate(((64, 2), (128, 2), (256, 2), (256, 1))):
        x = layers.Conv2D(filters, 4, strides=stride, padding="same", use_bias=i == 0)(x)
        if i > 0:
            x = layers.GroupNormalization(groups=16)(x)
        x = layers.LeakyReLU(0.2)(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32")(x)
    return keras.Model([condition, image], logits, name=name)
