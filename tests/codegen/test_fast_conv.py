"""The DSP kernels of CONV_2D with filters larger than 1x1 (tinyvid/codegen/fast/conv.py)
match tflite-micro bit for bit: random single-layer models built on the host under the
sanitizers (the instructions emulated in C), and one chain of layers on an emulated
Cortex-M4 (the inline assembly itself)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.fast.conv import window_layout
from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import Op, T, build, conv_model, out_size

PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
PADS = st.sampled_from(["SAME", "VALID"])
_PAD = {"SAME": 0, "VALID": 1}
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def variants(model: bytes, optimize: str = "speed") -> list[str]:
    lowered = lower_graph(load_graph(model), "model", "dsp", {"optimize": optimize})
    return [c.variant for c in lowered.calls]


def assert_dsp_bit_exact(model: bytes, optimize: str = "speed", samples: int = 4) -> None:
    # stride-1 3x3 filters over a multiple of 4 channels are Winograd's (test_fast_winograd.py) in speed mode
    assert all(v.startswith(("dsp-conv", "dsp-winograd")) for v in variants(model, optimize)), variants(model, optimize)
    r = verify(model, samples=samples, measure_tflm_arena=False, target="dsp", optimize=optimize)
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def _valid_fits(padding, h, w, kh, kw, dh, dw) -> bool:
    return padding == "SAME" or (h >= (kh - 1) * dh + 1 and w >= (kw - 1) * dw + 1)


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 10), w=st.integers(1, 10),
       cin=st.sampled_from([1, 2, 3, 4, 5, 7, 8, 12]), cout=st.integers(1, 7), kh=st.integers(1, 5),
       kw=st.integers(1, 5), sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 3), dw=st.integers(1, 3),
       padding=PADS, act=ACTS, per_channel=st.booleans(), bias=st.booleans(), optimize=st.sampled_from(["speed", "size"]))
def test_conv_windows_of_every_shape_match_tflm(seed, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding, act, per_channel,
                                                 bias, optimize):
    assume(kh * kw > 1 and _valid_fits(padding, h, w, kh, kw, dh, dw))
    rng = np.random.default_rng(seed)
    model = conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw), padding=padding,
                       act=act, per_channel=per_channel, bias=bias)
    assert_dsp_bit_exact(model, optimize)


@pytest.mark.parametrize("name, h, w, cin, cout, stride", [
    ("vww first layer", 96, 96, 3, 8, 2),
    ("resnet8 first layer", 32, 32, 3, 16, 1),
    ("resnet8 block 2", 16, 16, 32, 32, 1),
    ("resnet8 block 3 downsampling", 16, 16, 32, 64, 2),
])
def test_real_layer_shapes_match_tflm(name, h, w, cin, cout, stride):
    rng = np.random.default_rng(len(name))
    assert_dsp_bit_exact(conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=3, kw=3, stride=(stride, stride), act="RELU"),
                         samples=2)


def _conv_scales(rng, *, h, w, cin, cout, kh, kw, in_scale, w_scales, out_scale, act="NONE", padding="SAME",
                 weights=None, in_zero_point=None) -> bytes:
    """One CONV_2D with the given scales (the multiplier is in_scale * w_scale / out_scale)."""
    zp = int(rng.integers(-128, 128)) if in_zero_point is None else in_zero_point
    x = T((1, h, w, cin), "int8", in_scale, zp)
    if weights is None:
        weights = rng.integers(-127, 128, (cout, kh, kw, cin)).astype(np.int8)
    wt = T((cout, kh, kw, cin), "int8", [float(s) for s in w_scales], [0] * cout, 0, weights)
    bias = T((cout,), "int32", [float(np.float32(in_scale) * np.float32(s)) for s in w_scales], [0] * cout, 0,
             rng.integers(-3000, 3000, cout).astype(np.int32))
    y = T((1, out_size(padding, h, kh, 1), out_size(padding, w, kw, 1), cout), "int8", out_scale, int(rng.integers(-128, 128)))
    op = Op("CONV_2D", [0, 1, 2], [3], "Conv2DOptions",
            dict(Padding=_PAD[padding], StrideW=1, StrideH=1, FusedActivationFunction=_ACT[act]))
    return build([x, wt, bias, y], [op], [0], [3])


@pytest.mark.parametrize("case, w_scales, out_scale", [
    ("multipliers above 1 (left shifts, general requantization)", [0.5, 0.9, 0.3], 0.004),
    ("tiny multipliers (right shifts past the fast form)", [1e-6, 3e-7, 2e-6], 40.0),
    ("one channel outside the fast form, the others inside", [0.5, 0.01, 0.02], 0.05),
    ("multipliers just below a power of two", [0.0499999, 0.0999999, 0.0249999], 0.1),
])
@pytest.mark.parametrize("act", ["NONE", "RELU6"])
def test_extreme_requantization_matches_tflm(case, w_scales, out_scale, act):
    rng = np.random.default_rng(5)
    assert_dsp_bit_exact(_conv_scales(rng, h=6, w=7, cin=5, cout=3, kh=3, kw=3, in_scale=0.1, w_scales=w_scales,
                                      out_scale=out_scale, act=act))


@pytest.mark.parametrize("zero_point", [-128, 127])
def test_saturated_inputs_and_weights_match_tflm(zero_point):
    """Weights at +-127 and inputs at -128 or 127 (verify's first two inputs), the input
    zero point at either end: the largest accumulators of a 5x5x16 window, border taps
    padded with the zero point."""
    rng = np.random.default_rng(9)
    weights = np.where(rng.random((6, 5, 5, 16)) < 0.5, -127, 127).astype(np.int8)
    weights[0] = 127
    weights[1] = -127
    assert_dsp_bit_exact(_conv_scales(rng, h=9, w=8, cin=16, cout=6, kh=5, kw=5, in_scale=0.05, w_scales=[1e-4] * 6,
                                      out_scale=0.5, weights=weights, in_zero_point=zero_point), samples=2)


@pytest.mark.parametrize("bias", [2**31 - 2**21, -(2**31) + 2**21, 2**30])
def test_large_biases_under_relu_match_tflm(bias):
    """Under ReLU the kernel folds the bias into the requantization constant (accumulators
    from 0) only while bias + window sum stays within int32: near the limits it keeps the bias
    in the accumulator, and the result is TFLM's either way."""
    rng = np.random.default_rng(13)
    x = T((1, 5, 6, 3), "int8", 0.1, int(rng.integers(-128, 128)))
    ws = [0.002, 0.004, 0.003, 0.001]
    wt = T((4, 3, 3, 3), "int8", ws, [0] * 4, 0, rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8))
    b = T((4,), "int32", [float(np.float32(0.1) * np.float32(s)) for s in ws], [0] * 4, 0,
          np.array([bias, -bias // 2, 100, bias // 3], np.int32))
    y = T((1, 5, 6, 4), "int8", 0.05, -20)
    op = Op("CONV_2D", [0, 1, 2], [3], "Conv2DOptions", dict(Padding=_PAD["SAME"], StrideW=1, StrideH=1,
                                                                FusedActivationFunction=_ACT["RELU"]))
    assert_dsp_bit_exact(build([x, wt, b, y], [op], [0], [3]), samples=3)


def test_first_layer_window_packs_27_values_into_7_words():
    win = window_layout(3, 9)  # 3x3 filter rows of 3 channels
    assert win.groups == 7
    slots = [s for s in win.slots() if s is not None]
    assert sorted(slots) == [(s, b) for s in range(3) for b in range(9)]


def test_one_by_one_and_grouped_filters_are_left_to_other_kernels():
    rng = np.random.default_rng(2)
    assert not variants(conv_model(rng, h=5, w=5, cin=4, cout=4, kh=1, kw=1))[0].startswith("dsp-conv")
    assert variants(conv_model(rng, h=6, w=5, cin=4, cout=6, kh=3, kw=3, groups=2)) == ["c"]


# --- on the board ---------------------------------------------------------------


def _chain(rng) -> bytes:
    """Four convolutions in a row: the first layer of vww (3 channels, stride 2), an odd
    channel count with dilation, a 5x3 VALID window and a 3x3 with 16 channels."""
    layers = [  # (kh, kw, stride, dil, padding, cout, act)
        (3, 3, 2, 1, "SAME", 8, "RELU"),
        (3, 3, 1, 2, "SAME", 7, "RELU6"),
        (5, 3, 1, 1, "VALID", 16, "NONE"),
        (3, 3, 1, 1, "SAME", 16, "RELU"),
    ]
    h = w = 21
    c = 3
    tensors = [T((1, h, w, c), "int8", 0.02, -128)]
    ops = []
    cur = 0
    for kh, kw, s, d, pad, cout, act in layers:
        oh, ow = out_size(pad, h, kh, s, d), out_size(pad, w, kw, s, d)
        ws = [float(v) for v in rng.uniform(0.002, 0.02, cout)]
        tensors.append(T((cout, kh, kw, c), "int8", ws, [0] * cout, 0, rng.integers(-127, 128, (cout, kh, kw, c)).astype(np.int8)))
        tensors.append(T((cout,), "int32", [float(np.float32(tensors[cur].scale) * np.float32(v)) for v in ws], [0] * cout, 0,
                         rng.integers(-2000, 2000, cout).astype(np.int32)))
        tensors.append(T((1, oh, ow, cout), "int8", float(rng.uniform(0.02, 0.1)), int(rng.integers(-128, 0))))
        out = len(tensors) - 1
        ops.append(Op("CONV_2D", [cur, out - 2, out - 1], [out], "Conv2DOptions",
                      dict(Padding=_PAD[pad], StrideW=s, StrideH=s, FusedActivationFunction=_ACT[act],
                           DilationWFactor=d, DilationHFactor=d)))
        cur, h, w, c = out, oh, ow, cout
    return build(tensors, ops, [0], [cur])


@pytest.mark.emulated
@pytest.mark.parametrize("optimize", ["speed", "size"])
def test_conv_kernels_on_cortex_m4_match_tflite_micro(tmp_path, optimize):
    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    pytest.importorskip("serial")
    import shutil

    if not (shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc")):
        pytest.skip("needs qemu-system-arm and arm-none-eabi-gcc")
    rng = np.random.default_rng(21)
    model = tmp_path / "chain.tflite"
    model.write_bytes(_chain(rng))
    want = ["dsp-conv-size"] * 4 if optimize == "size" else ["dsp-conv"] * 3 + ["dsp-winograd"]
    assert variants(model.read_bytes(), optimize) == want
    project = generate_project(model, "qemu-mps2-an386", tmp_path / "p", model_id="ic01", conversion="int8",
                               optimize=optimize)
    assert build_project(project.path).warnings == ()
    inputs = [np.full(21 * 21 * 3, -128, np.int8), rng.integers(-128, 128, 21 * 21 * 3).astype(np.int8)]
    with open_board(project=project.path, infer_timeout=60) as session:
        session.client.name()  # past the boot lines
        for x in inputs:
            session.client.tv_load(x.tobytes())
            _, got = session.client.tv_infer()
            want = tflm_invoke(model, [x.reshape(1, 21, 21, 3)])[0].reshape(-1).astype(np.int8)
            assert np.frombuffer(got, np.int8).tolist() == want.tolist()
