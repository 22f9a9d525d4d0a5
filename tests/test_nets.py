import collections
import json

from train.nets import seed_unet
from unmask import weights


def layer_types(model):
    return collections.Counter(type(layer).__name__ for layer in model.layers)


def test_rgb2rgb_is_the_seed_unet_exactly():
    model = seed_unet(3)
    assert len(model.layers) == 25
    assert model.count_params() == 1_947_939
    assert layer_types(model) == {"InputLayer": 1, "Conv2D": 15, "Conv2DTranspose": 3, "MaxPooling2D": 3, "Add": 3}
    assert model.output_shape == (None, 128, 128, 3)


def test_rgb2sketch_differs_only_in_its_single_output_channel():
    model = seed_unet(1)
    assert len(model.layers) == 25
    assert model.count_params() == 1_947_939 - (32 * 9 * 3 + 3) + (32 * 9 * 1 + 1)
    assert model.output_shape == (None, 128, 128, 1)


def test_the_generator_built_for_256_still_reaches_a_4x4_bottom_and_the_shipped_one_is_unchanged():
    from train.nets import inpaint_generator

    for size in (128, 256):
        model = inpaint_generator(size=size)
        assert model.output_shape == (None, size, size, 3)
        assert min(layer.output.shape[1] for layer in model.layers) == 4  # the bottom sees the whole face
    bundled = json.loads((weights.BUNDLED_DIR / "inpaint.json").read_text())
    assert inpaint_generator().count_params() == bundled["parameters"]
