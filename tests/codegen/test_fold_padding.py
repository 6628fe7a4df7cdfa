"""A PAD in front of VALID convolutions (Keras ZeroPadding2D + strided Conv2D, as in
MobileNetV2 and shipped FOMO models) is folded into them: no PAD tensor in the plan,
a smaller arena, and the outputs still bit-exact with tflite-micro."""

from __future__ import annotations

import pytest

from tinyvid.codegen.verify import verify

pytestmark = pytest.mark.slow


def _padded_model():
    from tinyvid import _tf

    _tf.set_seed(0)
    k = _tf.keras()
    L = k.layers
    inputs = k.Input((33, 32, 3))
    x = L.ZeroPadding2D(((0, 1), (0, 1)))(inputs)  # MobileNetV2's correct_pad for even sizes
    x = L.Conv2D(16, 3, strides=2, padding="valid", activation="relu")(x)
    x = L.ZeroPadding2D(((1, 1), (1, 1)))(x)
    x = L.DepthwiseConv2D(3, strides=2, padding="valid", activation="relu")(x)
    x = L.ZeroPadding2D(((2, 0), (0, 1)))(x)
    x = L.Conv2D(8, 3, padding="valid")(x)
    return k.Model(inputs, x)


@pytest.fixture(scope="module")
def padded_tflite(tmp_path_factory):
    from .test_tf_models import int8_tflite

    path = tmp_path_factory.mktemp("pad") / "padded.tflite"
    path.write_bytes(int8_tflite(_padded_model(), (33, 32, 3), 0))
    return path


def test_the_converter_writes_pads_and_the_code_generator_folds_them(padded_tflite):
    from tinyvid.codegen.boundary import strip_float_io
    from tinyvid.codegen.fold import EXPLICIT_PADDING
    from tinyvid.model.reader import load_graph

    graph = load_graph(padded_tflite)
    assert [op.opcode for op in graph.operators].count("PAD") == 3
    folded = strip_float_io(graph)
    assert [op.opcode for op in folded.operators] == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D"]
    assert [op.options[EXPLICIT_PADDING] for op in folded.operators] == [(0, 1, 0, 1), (1, 1, 1, 1), (2, 0, 0, 1)]


@pytest.mark.parametrize("target", ["c", "dsp"])
def test_folded_padding_is_bit_exact_with_tflite_micro(padded_tflite, target):
    r = verify(padded_tflite, samples=12, measure_tflm_arena=False, target=target)
    assert r.differing_bytes == 0, r.to_dict()


def test_no_pad_tensor_costs_arena(padded_tflite, monkeypatch):
    import tinyvid.codegen.boundary as boundary
    from tinyvid.codegen.emit import generate_c
    from tinyvid.model.reader import load_graph

    graph = load_graph(padded_tflite)
    _, folded_arena, _ = generate_c(graph, "m")
    monkeypatch.setattr(boundary, "fold_padding", lambda g: g)
    _, padded_arena, _ = generate_c(graph, "m")
    # the first padded copy (34x33x3) no longer sits beside the input and the conv output
    assert folded_arena < padded_arena
