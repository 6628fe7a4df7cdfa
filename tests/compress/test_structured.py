import numpy as np
import pytest

from tinyvid.train.macs import keras_macs as total_macs
from tinyvid.compress.quantize import representative_frames, to_int8_tflite
from tinyvid.compress.structured import plan_channels, shrink
from tinyvid.errors import ModelError


def _keras():
    from tinyvid import _tf

    return _tf.keras()


def _randomise_batchnorm(model, seed=0):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.set_weights([(rng.normal(size=w.shape) ** 2 + 0.1).astype("float32") for w in layer.get_weights()])


def _sequential_with_every_layer():
    L = _keras().layers
    return _keras().Sequential([
        L.Input((16, 16, 1)), L.Conv2D(8, 3, padding="same"), L.BatchNormalization(), L.ReLU(6.0),
        L.DepthwiseConv2D(3), L.ReLU(), L.SeparableConv2D(12, 3, depth_multiplier=2), L.MaxPooling2D(),
        L.Flatten(), L.Dense(10, activation="relu"), L.Dropout(0.1), L.Dense(2, activation="softmax"),
    ])


def _residual():
    from tinyvid.train import build_model

    return build_model("resnet8", (16, 16, 3), 3, filters=8)


def _mobilenet():
    from tinyvid.train import build_model

    return build_model("mobilenet_v1", (32, 32, 3), 2, alpha=0.25, depth=3)


@pytest.mark.parametrize("build", [_sequential_with_every_layer, _residual, _mobilenet])
def test_pruning_no_channels_rebuilds_an_identical_model(build):
    model = build()
    _randomise_batchnorm(model)
    x = np.random.default_rng(1).random((8,) + tuple(model.input.shape[1:])).astype("float32")
    rebuilt, changes = shrink(model, 0.0)
    assert np.array_equal(model.predict(x, verbose=0), rebuilt.predict(x, verbose=0))
    assert all(c.macs[0] == c.macs[1] for c in changes)


def test_filters_with_zero_weights_are_the_ones_removed_and_the_output_is_unchanged():
    L = _keras().layers
    model = _keras().Sequential([
        L.Input((12, 12, 2)), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
        L.Dense(3, activation="softmax"),
    ])
    kernel, bias = model.layers[0].get_weights()
    dead = [1, 4, 5, 6]
    kernel[..., dead] = 0.0
    bias[dead] = 0.0
    model.layers[0].set_weights([kernel, bias])
    x = np.random.default_rng(0).random((5, 12, 12, 2)).astype("float32")
    smaller, changes = shrink(model, 0.5)
    assert changes[0].out_channels == (8, 4)
    assert changes[1].in_channels == (8 * 25, 4 * 25)  # Flatten rows of the removed channels go too
    np.testing.assert_allclose(smaller.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_half_the_channels_cuts_macs_by_at_least_40_percent_and_stays_convertible(small_model, small_data):
    smaller, changes = shrink(small_model, 0.5)
    assert total_macs(smaller) <= 0.6 * total_macs(small_model)
    assert smaller.count_params() < small_model.count_params()
    assert smaller.predict(small_data.test.x[:4], verbose=0).shape == (4, small_data.num_classes)
    flatbuffer = to_int8_tflite(smaller, representative_frames(small_data.train.x, 32))
    assert len(flatbuffer) > 0
    by_name = {c.name: c for c in changes}
    assert by_name["conv1"].out_channels == (4, 2)
    assert by_name["logits"].out_channels == (3, 3)  # the classifier keeps its classes


def test_residual_channels_tied_by_add_are_pruned_consistently():
    model = _residual()
    _randomise_batchnorm(model)
    smaller, changes = shrink(model, 0.5)
    for layer in smaller.layers:
        if type(layer).__name__ == "Add":
            widths = {int(t.shape[-1]) for t in layer.input}
            assert len(widths) == 1
    assert total_macs(smaller) < 0.5 * total_macs(model)
    smaller.predict(np.zeros((1, 16, 16, 3), np.float32), verbose=0)


def test_bn_gamma_criterion_keeps_the_channels_with_largest_gamma():
    L = _keras().layers
    model = _keras().Sequential([
        L.Input((8, 8, 1)), L.Conv2D(4, 3), L.BatchNormalization(), L.ReLU(), L.Flatten(), L.Dense(2, activation="softmax"),
    ])
    bn = model.layers[1]
    weights = bn.get_weights()
    weights[0] = np.array([0.1, 3.0, 0.2, 2.0], np.float32)
    bn.set_weights(weights)
    (kept,) = plan_channels(model, 0.5, "bn_gamma").values()
    assert kept.tolist() == [1, 3]


def test_a_layer_it_cannot_handle_is_a_model_error_naming_the_layer():
    L = _keras().layers
    model = _keras().Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3), L.Conv2DTranspose(4, 3, name="upsampler"), L.Flatten(), L.Dense(2)])
    with pytest.raises(ModelError, match="upsampler"):
        shrink(model, 0.5)


def test_concatenated_channels_are_left_alone():
    k = _keras()
    L = k.layers
    i = L.Input((8, 8, 1))
    a = L.Conv2D(4, 3, name="a")(i)
    b = L.Conv2D(4, 3, name="b")(i)
    c = L.Concatenate()([a, b])
    d = L.Conv2D(6, 1, name="d")(c)
    o = L.Dense(2)(L.Flatten()(d))
    smaller, changes = shrink(k.Model(i, o), 0.5)
    by_name = {c.name: c for c in changes}
    assert by_name["a"].out_channels == (4, 4)
    assert by_name["d"].out_channels == (6, 3)


def test_depthwise_channels_follow_the_pointwise_convolution_before_them():
    model = _mobilenet()
    _randomise_batchnorm(model)
    smaller, changes = shrink(model, 0.5)
    by_name = {c.name: c for c in changes}
    assert by_name["dw1"].in_channels == (8, 4) and by_name["dw1"].out_channels == (8, 4)
    assert by_name["pw1"].in_channels == (8, 4)
    smaller.predict(np.zeros((1, 32, 32, 3), np.float32), verbose=0)
