"""A PAD in front of VALID convolutions (Keras ZeroPadding2D + strided Conv2D, as in
MobileNetV2 and shipped FOMO models) is folded into them: no PAD tensor in the plan,
a smaller arena, and the outputs still bit-exact with tflite-micro."""

from __future__ import annotations

import pytest

from tinyvid.codegen.verify import verify



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


@pytest.mark.slow
def test_the_converter_writes_pads_and_the_code_generator_folds_them(padded_tflite):
    from tinyvid.codegen.boundary import strip_float_io
    from tinyvid.codegen.fold import EXPLICIT_PADDING
    from tinyvid.model.reader import load_graph

    graph = load_graph(padded_tflite)
    assert [op.opcode for op in graph.operators].count("PAD") == 3
    folded = strip_float_io(graph)
    assert [op.opcode for op in folded.operators] == ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D"]
    assert [op.options[EXPLICIT_PADDING] for op in folded.operators] == [(0, 1, 0, 1), (1, 1, 1, 1), (2, 0, 0, 1)]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["c", "dsp"])
def test_folded_padding_is_bit_exact_with_tflite_micro(padded_tflite, target):
    r = verify(padded_tflite, samples=12, measure_tflm_arena=False, target=target)
    assert r.differing_bytes == 0, r.to_dict()


@pytest.mark.slow
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


def _pad_conv(*, opcode="PAD", value=None, padding="VALID", pads=((0, 0), (1, 2), (0, 1), (0, 0)), stride=2):
    """x (1x9x8x3) -> PAD/PADV2 -> CONV_2D 3x3, built directly (no TensorFlow)."""
    import numpy as np

    from .modelbuilder import _PAD, Op, T, build, out_size

    rng = np.random.default_rng(3)
    x = T((1, 9, 8, 3), "int8", 0.05, 7)
    ph, pw = 9 + sum(pads[1]), 8 + sum(pads[2])
    padded = T((1, ph, pw, 3), "int8", 0.05, 7)
    paddings = T((4, 2), "int32", None, 0, 0, np.asarray(pads, np.int32))
    w = T((4, 3, 3, 3), "int8", [0.02] * 4, [0] * 4, 0, rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8))
    b = T((4,), "int32", [0.05 * 0.02] * 4, [0] * 4, 0, rng.integers(-500, 500, 4).astype(np.int32))
    oh, ow = out_size(padding, ph, 3, stride), out_size(padding, pw, 3, stride)
    y = T((1, oh, ow, 4), "int8", 0.2, -3)
    tensors, pad_inputs = [x, paddings, padded, w, b, y], [0, 1]
    if opcode == "PADV2":
        tensors.append(T((1,), "int8", 0.05, 7, 0, np.asarray([value], np.int8)))
        pad_inputs.append(6)
    ops = [Op(opcode, pad_inputs, [2]),
           Op("CONV_2D", [2, 3, 4], [5], "Conv2DOptions", dict(Padding=_PAD[padding], StrideW=stride, StrideH=stride,
                                                              FusedActivationFunction=0, DilationWFactor=1,
                                                              DilationHFactor=1))]
    return build(tensors, ops, [0], [5])


@pytest.mark.parametrize("case, folded", [
    ({}, True),
    ({"opcode": "PADV2", "value": 7}, True),  # PADV2 with the zero point
    ({"opcode": "PADV2", "value": 0}, False),  # another pad value: not a zero-point pad
    ({"padding": "SAME"}, False),  # SAME padding on top of the PAD
])
def test_only_zero_point_pads_before_valid_windows_fold(case, folded, tmp_path):
    from tinyvid.codegen.boundary import strip_float_io
    from tinyvid.model.reader import load_graph

    path = tmp_path / "m.tflite"
    path.write_bytes(_pad_conv(**case))
    ops = [op.opcode for op in strip_float_io(load_graph(path)).operators]
    assert ops == (["CONV_2D"] if folded else [case.get("opcode", "PAD"), "CONV_2D"])
    r = verify(path, samples=8, measure_tflm_arena=False)
    assert r.differing_bytes == 0, r.to_dict()
