"""Models made by TensorFlow's own int8 converter: the built-in architectures and random
single- and multi-operator Keras models, all bit-exact with tflite-micro."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.verify import verify

pytestmark = pytest.mark.slow
TF_PROPERTY = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def int8_tflite(model, input_shape, seed: int, low: float = -1.0, high: float = 1.0) -> bytes:
    from tinyvid import _tf

    tf = _tf.tf()
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(24):
            yield [rng.uniform(low, high, (1, *input_shape)).astype(np.float32)]

    from tinyvid.model.convert import batch_of_one

    converter = tf.lite.TFLiteConverter.from_keras_model(batch_of_one(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def assert_bit_exact(model: bytes, samples: int = 10) -> None:
    r = verify(model, samples=samples, measure_tflm_arena=False)
    assert r.differing_bytes == 0, r.to_dict()


@pytest.mark.parametrize("arch, shape", [("tiny_cnn", (32, 32, 1)), ("mobilenet_v1", (48, 48, 3)), ("resnet8", (32, 32, 3))])
def test_builtin_architectures_are_bit_exact(arch, shape):
    from tinyvid import _tf
    from tinyvid.train.architectures import build_model

    _tf.set_seed(0)
    model = build_model(arch, shape, 3)
    # untrained logits barely vary and TFLM refuses a softmax on them: spread them as training would
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    logits.set_weights([kernel * 50.0, np.linspace(-3.0, 3.0, bias.size).astype(np.float32)])
    assert_bit_exact(int8_tflite(model, shape, 0, 0.0, 1.0), samples=20)


def _keras():
    from tinyvid import _tf

    return _tf.keras()


@TF_PROPERTY
@given(seed=st.integers(0, 1000), h=st.integers(3, 9), w=st.integers(3, 9), c=st.integers(1, 4), f=st.integers(1, 6),
       k=st.integers(1, 3), s=st.integers(1, 2), d=st.integers(1, 2), padding=st.sampled_from(["same", "valid"]),
       act=st.sampled_from([None, "relu", "relu6"]), depthwise=st.booleans(), dm=st.integers(1, 2))
def test_converted_convolutions_are_bit_exact(seed, h, w, c, f, k, s, d, padding, act, depthwise, dm):
    assume(s == 1 or d == 1)  # Keras forbids strides and dilation together
    assume(padding != "valid" or (h >= (k - 1) * d + 1 and w >= (k - 1) * d + 1))
    keras = _keras()
    keras.utils.set_random_seed(seed)
    L = keras.layers
    inp = keras.Input((h, w, c))
    if depthwise:
        x = L.DepthwiseConv2D(k, strides=s, padding=padding, depth_multiplier=dm, dilation_rate=d)(inp)
    else:
        x = L.Conv2D(f, k, strides=s, padding=padding, dilation_rate=d)(inp)
    if act == "relu":
        x = L.ReLU()(x)
    elif act == "relu6":
        x = L.ReLU(6.0)(x)
    assert_bit_exact(int8_tflite(keras.Model(inp, x), (h, w, c), seed))


@TF_PROPERTY
@given(seed=st.integers(0, 1000), head=st.sampled_from(["gap_dense_sigmoid", "maxpool_flatten_softmax", "avgpool_tanh",
                                                        "concat_pad_leaky", "add_mul_sub"]))
def test_converted_multi_operator_models_are_bit_exact(seed, head):
    keras = _keras()
    keras.utils.set_random_seed(seed)
    L = keras.layers
    shape = (8, 8, 3)
    inp = keras.Input(shape)
    x = L.Conv2D(6, 3, padding="same", activation="relu")(inp)
    if head == "gap_dense_sigmoid":
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dense(1, activation="sigmoid")(x)
    elif head == "maxpool_flatten_softmax":
        x = L.MaxPooling2D(2)(x)
        x = L.Flatten()(x)
        x = L.Dense(4)(x)
        x = L.Softmax()(x)
    elif head == "avgpool_tanh":
        x = L.AveragePooling2D(3, strides=2, padding="same")(x)
        x = L.Activation("tanh")(x)
    elif head == "concat_pad_leaky":
        y = L.Conv2D(2, 1)(inp)
        x = L.Concatenate()([x, y])
        x = L.ZeroPadding2D(((1, 0), (2, 1)))(x)
        x = L.LeakyReLU(0.2)(x)
    else:
        y = L.Conv2D(6, 1)(inp)
        x = L.Add()([x, y])
        x = L.Multiply()([x, y])
        x = L.Subtract()([x, y])
    assert_bit_exact(int8_tflite(keras.Model(inp, x), shape, seed))


def test_converted_model_with_float_input_and_output_is_bit_exact():
    """The converter's default keeps float I/O around the int8 graph (QUANTIZE ... DEQUANTIZE)."""
    from tinyvid import _tf

    tf = _tf.tf()
    keras = _keras()
    keras.utils.set_random_seed(3)
    inp = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(3)(x))
    rng = np.random.default_rng(0)
    from tinyvid.model.convert import batch_of_one

    converter = tf.lite.TFLiteConverter.from_keras_model(batch_of_one(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([rng.uniform(0, 1, (1, 8, 8, 3)).astype(np.float32)] for _ in range(16))
    flatbuffer = bytes(converter.convert())
    from tinyvid.model.reader import load_graph

    g = load_graph(flatbuffer)
    assert g.input_tensors()[0].dtype == "float32" and g.operators[0].opcode == "QUANTIZE"
    assert_bit_exact(flatbuffer, samples=20)
