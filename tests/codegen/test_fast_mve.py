"""The Helium kernels of the ``mve`` target (tinyvid/codegen/fast/mve_*.py, kernels/tv_mve*.h)
match tflite-micro bit for bit: random single-layer models built on the host under the
sanitizers (each MVE instruction emulated lane by lane in C). The Helium instructions
themselves run in tests/build/test_mve_kernels.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import Op, T, build, conv_model, fc_model, out_size

PROPERTY = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
PADS = st.sampled_from(["SAME", "VALID"])
_PAD = {"SAME": 0, "VALID": 1}
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def variants(model: bytes) -> list[str]:
    return [c.variant for c in lower_graph(load_graph(model), "model", "mve", {"optimize": "speed"}).calls]


def assert_mve_bit_exact(model: bytes, expected_variant: str | tuple[str, ...], samples: int = 4) -> None:
    expected = (expected_variant,) if isinstance(expected_variant, str) else expected_variant
    assert len(variants(model)) == 1 and variants(model)[0] in expected, variants(model)
    r = verify(model, samples=samples, measure_tflm_arena=False, target="mve")
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def _fits(padding, h, w, kh, kw, dh, dw) -> bool:
    return padding == "SAME" or (h >= (kh - 1) * dh + 1 and w >= (kw - 1) * dw + 1)


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9),
       cin=st.sampled_from([1, 3, 5, 8, 15, 16, 17, 33]), cout=st.integers(1, 9), sh=st.integers(1, 3),
       sw=st.integers(1, 3), act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_one_by_one_convolutions_match_tflm(seed, h, w, cin, cout, sh, sw, act, per_channel, bias):
    rng = np.random.default_rng(seed)
    model = conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=1, kw=1, stride=(sh, sw), act=act,
                       per_channel=per_channel, bias=bias)
    assert_mve_bit_exact(model, "mve-1x1")


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.sampled_from([1, 2, 3, 5, 8, 16, 19]),
       cout=st.integers(1, 7), kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       dh=st.integers(1, 3), dw=st.integers(1, 3), padding=PADS, act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_convolution_windows_of_every_shape_match_tflm(seed, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding, act,
                                                       per_channel, bias):
    assume(kh * kw > 1 and _fits(padding, h, w, kh, kw, dh, dw))
    rng = np.random.default_rng(seed)
    model = conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw), padding=padding,
                       act=act, per_channel=per_channel, bias=bias)
    assert_mve_bit_exact(model, "mve-im2col")


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), c=st.sampled_from([1, 2, 3, 4, 5, 8, 11, 16]),
       kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2),
       dw=st.integers(1, 2), padding=PADS, act=ACTS, per_channel=st.booleans(), dm=st.sampled_from([1, 1, 2, 3]))
def test_depthwise_convolutions_match_tflm(seed, h, w, c, kh, kw, sh, sw, dh, dw, padding, act, per_channel, dm):
    """The staged-plane kernel: every kernel size, stride, dilation, padding and depth multiplier."""
    assume(_fits(padding, h, w, kh, kw, dh, dw))
    rng = np.random.default_rng(seed)
    model = conv_model(rng, h=h, w=w, cin=c, cout=c * dm, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw), padding=padding,
                       act=act, per_channel=per_channel, depthwise=True, **({"depth_mult": dm} if dm > 1 else {}))
    assert_mve_bit_exact(model, "mve-dw")


def test_depthwise_too_large_for_the_plane_reads_in_place():
    """A channel plane above MAX_PLANE_BYTES: the in-place kernel (4 channels per vector, border path)."""
    rng = np.random.default_rng(4)
    model = conv_model(rng, h=130, w=131, cin=6, cout=6, kh=3, kw=3, stride=(1, 1), act="RELU", depthwise=True)
    assert_mve_bit_exact(model, "mve-depthwise", samples=2)


@PROPERTY
@given(seed=st.integers(0, 2**31), batches=st.integers(1, 6), depth=st.sampled_from([1, 7, 16, 31, 64, 100]),
       units=st.integers(1, 12), act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_fully_connected_matches_tflm(seed, batches, depth, units, act, per_channel, bias):
    rng = np.random.default_rng(seed)
    assert_mve_bit_exact(fc_model(rng, batches=batches, depth=depth, units=units, act=act, per_channel=per_channel,
                                  bias=bias), "mve-fc")


def _conv_scales(rng, *, h, w, cin, cout, kh, kw, in_scale, w_scales, out_scale, act="NONE", weights=None,
                 in_zero_point=None, depthwise=False) -> bytes:
    """One CONV_2D (or DEPTHWISE_CONV_2D) whose multipliers are in_scale * w_scale / out_scale."""
    zp = int(rng.integers(-128, 128)) if in_zero_point is None else in_zero_point
    x = T((1, h, w, cin), "int8", in_scale, zp)
    shape = (1, kh, kw, cout) if depthwise else (cout, kh, kw, cin)
    if weights is None:
        weights = rng.integers(-127, 128, shape).astype(np.int8)
    wt = T(shape, "int8", [float(s) for s in w_scales], [0] * cout, 3 if depthwise else 0, weights)
    bias = T((cout,), "int32", [float(np.float32(in_scale) * np.float32(s)) for s in w_scales], [0] * cout, 0,
             rng.integers(-3000, 3000, cout).astype(np.int32))
    y = T((1, out_size("SAME", h, kh, 1), out_size("SAME", w, kw, 1), cout), "int8", out_scale, int(rng.integers(-128, 128)))
    opts = dict(Padding=_PAD["SAME"], StrideW=1, StrideH=1, FusedActivationFunction=_ACT[act])
    if depthwise:
        op = Op("DEPTHWISE_CONV_2D", [0, 1, 2], [3], "DepthwiseConv2DOptions", dict(opts, DepthMultiplier=1))
    else:
        op = Op("CONV_2D", [0, 1, 2], [3], "Conv2DOptions", opts)
    return build([x, wt, bias, y], [op], [0], [3])


@pytest.mark.parametrize("case, w_scales, out_scale", [
    ("multipliers above 1 (left shifts)", [0.5, 0.9, 0.3, 0.7, 0.6], 0.004),
    ("tiny multipliers (right shifts of 20 and more)", [1e-6, 3e-7, 2e-6, 1e-7, 5e-7], 40.0),
    ("left and right shifts in one layer", [0.5, 0.01, 0.02, 0.9, 1e-5], 0.05),
    ("multipliers just below a power of two", [0.0499999, 0.0999999, 0.0249999, 0.0124999, 0.2], 0.1),
])
@pytest.mark.parametrize("kernel, act", [("1x1", "NONE"), ("3x3", "RELU6"), ("depthwise", "RELU")])
def test_extreme_requantization_matches_tflm(case, w_scales, out_scale, kernel, act):
    """VQRDMULH and the rounding shift with its fix-up for negative values are TFLM's
    double rounding for every multiplier and shift, left shifts included."""
    rng = np.random.default_rng(5)
    k = 1 if kernel == "1x1" else 3
    model = _conv_scales(rng, h=6, w=7, cin=5, cout=5, kh=k, kw=k, in_scale=0.1, w_scales=w_scales,
                         out_scale=out_scale, act=act, depthwise=kernel == "depthwise")
    assert_mve_bit_exact(model, {"1x1": "mve-1x1", "3x3": "mve-im2col", "depthwise": "mve-dw"}[kernel])


@pytest.mark.parametrize("zero_point", [-128, 127])
@pytest.mark.parametrize("kernel", ["3x3", "depthwise"])
def test_saturated_inputs_and_weights_match_tflm(zero_point, kernel):
    """Weights at +-127, inputs at -128 or 127 (verify's first two inputs) and the input
    zero point at either end: the largest accumulators, border taps padded with the zero point."""
    rng = np.random.default_rng(9)
    c = 16 if kernel == "3x3" else 20
    shape = (6, 5, 5, c) if kernel == "3x3" else (1, 5, 5, c)
    weights = np.where(rng.random(shape) < 0.5, -127, 127).astype(np.int8)
    cout = 6 if kernel == "3x3" else c
    model = _conv_scales(rng, h=9, w=8, cin=c, cout=cout, kh=5, kw=5, in_scale=0.05, w_scales=[1e-4] * cout,
                         out_scale=0.5, weights=weights, in_zero_point=zero_point, depthwise=kernel == "depthwise")
    assert_mve_bit_exact(model, "mve-im2col" if kernel == "3x3" else "mve-dw", samples=2)


@pytest.mark.parametrize("name, h, w, cin, cout, k, stride", [
    ("vww first layer (a 32x32 crop)", 32, 32, 3, 8, 3, 2),
    ("vww 1x1 K=8 (a 24x24 crop)", 24, 24, 8, 16, 1, 1),
    ("vww 1x1 K=128", 6, 6, 128, 128, 1, 1),
    ("resnet8 block 2", 16, 16, 32, 32, 3, 1),
    ("resnet8 1x1 shortcut", 16, 16, 32, 64, 1, 2),
])
def test_real_layer_shapes_match_tflm(name, h, w, cin, cout, k, stride):
    rng = np.random.default_rng(len(name))
    model = conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=k, kw=k, stride=(stride, stride), act="RELU")
    assert_mve_bit_exact(model, "mve-1x1" if k == 1 else "mve-im2col", samples=2)


def test_grouped_convolutions_keep_other_kernels():
    rng = np.random.default_rng(2)
    assert not variants(conv_model(rng, h=6, w=5, cin=4, cout=6, kh=3, kw=3, groups=2))[0].startswith("mve")
