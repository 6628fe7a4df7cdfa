"""Property tests: random single-operator int8 models must match tflite-micro bit for bit.

The models are written directly as flatbuffers (tests/codegen/modelbuilder.py), with
random shapes, strides, paddings, dilations, depth multipliers, per-channel scales,
zero points and fused activations; each is emitted, built under ASan+UBSan and
compared with tflite-micro on edge and random inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.verify import verify

from .modelbuilder import (binary_model, concat_model, conv_model, fc_model, mean_model, pad_model, pool_model,
                           softmax_model, unary_model)

PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
PADS = st.sampled_from(["SAME", "VALID"])


def assert_bit_exact(model: bytes, samples: int = 6) -> None:
    r = verify(model, samples=samples, measure_tflm_arena=False)
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.integers(1, 5), cout=st.integers(1, 6),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2),
       dw=st.integers(1, 2), padding=PADS, act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_conv2d_matches_tflm(seed, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding, act, per_channel, bias):
    assume(padding != "VALID" or (h >= (kh - 1) * dh + 1 and w >= (kw - 1) * dw + 1))
    rng = np.random.default_rng(seed)
    assert_bit_exact(conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw),
                                padding=padding, act=act, per_channel=per_channel, bias=bias))


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.integers(1, 4), dm=st.integers(1, 3),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2),
       dw=st.integers(1, 2), padding=PADS, act=ACTS, per_channel=st.booleans())
def test_depthwise_conv2d_matches_tflm(seed, h, w, cin, dm, kh, kw, sh, sw, dh, dw, padding, act, per_channel):
    assume(padding != "VALID" or (h >= (kh - 1) * dh + 1 and w >= (kw - 1) * dw + 1))
    rng = np.random.default_rng(seed)
    assert_bit_exact(conv_model(rng, h=h, w=w, cin=cin, cout=cin * dm, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw),
                                padding=padding, act=act, per_channel=per_channel, depthwise=True, depth_mult=dm))


def test_grouped_conv2d_matches_tflm():
    rng = np.random.default_rng(3)
    assert_bit_exact(conv_model(rng, h=6, w=5, cin=4, cout=6, kh=3, kw=3, groups=2))


@PROPERTY
@given(seed=st.integers(0, 2**31), batches=st.integers(1, 3), depth=st.integers(1, 40), units=st.integers(1, 12),
       act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_fully_connected_matches_tflm(seed, batches, depth, units, act, per_channel, bias):
    rng = np.random.default_rng(seed)
    assert_bit_exact(fc_model(rng, batches=batches, depth=depth, units=units, act=act, per_channel=per_channel, bias=bias))


@PROPERTY
@given(seed=st.integers(0, 2**31), opcode=st.sampled_from(["AVERAGE_POOL_2D", "MAX_POOL_2D"]), h=st.integers(1, 9),
       w=st.integers(1, 9), c=st.integers(1, 5), kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3),
       sw=st.integers(1, 3), padding=PADS, act=ACTS)
def test_pooling_matches_tflm(seed, opcode, h, w, c, kh, kw, sh, sw, padding, act):
    assume(padding != "VALID" or (h >= kh and w >= kw))
    rng = np.random.default_rng(seed)
    assert_bit_exact(pool_model(rng, opcode, h=h, w=w, c=c, kh=kh, kw=kw, stride=(sh, sw), padding=padding, act=act))


SHAPE_PAIRS = [((1, 4, 4, 3), (1, 4, 4, 3)), ((1, 4, 4, 3), (1, 1, 1, 3)), ((2, 3), (3,)), ((1, 5, 1, 2), (1, 1, 3, 1)), ((7,), (7,))]


@PROPERTY
@given(seed=st.integers(0, 2**31), opcode=st.sampled_from(["ADD", "SUB", "MUL"]), shapes=st.sampled_from(SHAPE_PAIRS),
       act=ACTS, const_second=st.booleans())
def test_binary_elementwise_matches_tflm(seed, opcode, shapes, act, const_second):
    rng = np.random.default_rng(seed)
    assert_bit_exact(binary_model(rng, opcode, *shapes, act=act, const_second=const_second))


@PROPERTY
@given(seed=st.integers(0, 2**31), shape=st.sampled_from([(1, 2), (1, 10), (3, 7), (1, 2, 2, 5), (1, 100)]),
       beta=st.sampled_from([1.0, 0.5, 2.0]))
def test_softmax_matches_tflm(seed, shape, beta):
    rng = np.random.default_rng(seed)
    assert_bit_exact(softmax_model(rng, shape, beta), samples=20)


@PROPERTY
@given(seed=st.integers(0, 2**31), opcode=st.sampled_from(["QUANTIZE", "RELU", "RELU6", "LEAKY_RELU"]),
       shape=st.sampled_from([(1, 5), (1, 3, 3, 4), (17,)]), alpha=st.sampled_from([0.1, 0.2, 0.3]))
def test_rescaling_activations_match_tflm(seed, opcode, shape, alpha):
    rng = np.random.default_rng(seed)
    kwargs = {}
    if opcode == "LEAKY_RELU":
        kwargs = dict(options_type="LeakyReluOptions", options=dict(Alpha=alpha))
    if opcode == "RELU6":  # TFLM's RELU6 keeps the input quantization
        x_model = unary_model(rng, opcode, shape, **kwargs)
        from tinyvid.model.reader import load_graph

        q = load_graph(x_model).tensors[0].quantization
        rng = np.random.default_rng(seed)
        x_model = unary_model(rng, opcode, shape, out_scale=q.scale, out_zp=q.zero_point)
        assert_bit_exact(x_model)
        return
    assert_bit_exact(unary_model(rng, opcode, shape, **kwargs))


@PROPERTY
@given(seed=st.integers(0, 2**31), opcode=st.sampled_from(["LOGISTIC", "TANH"]), shape=st.sampled_from([(1, 1), (1, 8), (2, 3, 5)]))
def test_logistic_and_tanh_match_tflm(seed, opcode, shape):
    rng = np.random.default_rng(seed)
    scale, zp = (1 / 256, -128) if opcode == "LOGISTIC" else (1 / 128, 0)
    assert_bit_exact(unary_model(rng, opcode, shape, out_scale=scale, out_zp=zp), samples=20)


@PROPERTY
@given(seed=st.integers(0, 2**31), case=st.sampled_from([((1, 4, 5, 3), [1, 2], True), ((1, 4, 5, 3), [1, 2], False),
                                                        ((2, 3, 4), [-1], False), ((1, 6, 2), [0, 1], True), ((3, 4), [0], False)]),
       same=st.booleans())
def test_mean_matches_tflm(seed, case, same):
    rng = np.random.default_rng(seed)
    shape, axes, keep = case
    assert_bit_exact(mean_model(rng, shape, axes, keep, same_quantization=same))


@PROPERTY
@given(seed=st.integers(0, 2**31), case=st.sampled_from([((1, 4, 4, 3), [[0, 0], [1, 1], [2, 0], [0, 0]]),
                                                        ((1, 3, 5, 2), [[0, 0], [0, 1], [1, 0], [0, 1]]), ((4, 3), [[1, 2], [0, 3]])]),
       value=st.one_of(st.none(), st.integers(-128, 127)))
def test_pad_matches_tflm(seed, case, value):
    rng = np.random.default_rng(seed)
    assert_bit_exact(pad_model(rng, *case, value=value))


@PROPERTY
@given(seed=st.integers(0, 2**31), case=st.sampled_from([([(1, 2, 2, 3), (1, 2, 2, 5)], 3), ([(1, 2, 3), (1, 4, 3), (1, 1, 3)], 1),
                                                        ([(2, 3), (2, 3)], 0), ([(1, 2, 2, 3), (1, 2, 2, 1)], -1)]))
def test_concatenation_matches_tflm(seed, case):
    rng = np.random.default_rng(seed)
    shapes, axis = case
    assert_bit_exact(concat_model(rng, shapes, axis))


@PROPERTY
@given(seed=st.integers(0, 2**31), in_scale=st.floats(0.005, 0.3), ratio=st.floats(0.05, 3.0), out_zp=st.integers(-128, 0),
       shape=st.sampled_from([(1, 9), (1, 2, 3, 4)]))
def test_hard_swish_matches_tflm(seed, in_scale, ratio, out_zp, shape):
    from .modelbuilder import Op, T, build

    rng = np.random.default_rng(seed)
    x = T(shape, "int8", in_scale, int(rng.integers(-128, 128)))
    y = T(shape, "int8", in_scale * ratio, out_zp)
    assert_bit_exact(build([x, y], [Op("HARD_SWISH", [0], [1])], [0], [1]), samples=20)
