"""The DSP Winograd F(2x2, 3x3) kernel of stride-1 3x3 CONV_2D (tinyvid/codegen/fast/winograd.py)
matches tflite-micro bit for bit: the transform algebra itself, random single-layer models on
the host under the sanitizers (instructions emulated in C, the output planned over the dying
input as the planner allows), and a chain of layers on an emulated Cortex-M4 (the inline
assembly)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.fast.winograd import filter_transform, worthwhile
from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import Op, T, build, conv_model, out_size
from .test_fast_conv import _ACT, _PAD, ACTS, PADS, _conv_scales

PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.int64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.int64)


def variants(model: bytes, optimize: str = "speed") -> list[str]:
    return [c.variant for c in lower_graph(load_graph(model), "model", "dsp", {"optimize": optimize}).calls]


def assert_winograd_bit_exact(model: bytes, samples: int = 4) -> None:
    assert variants(model) == ["dsp-winograd"], variants(model)
    r = verify(model, samples=samples, measure_tflm_arena=False, target="dsp")
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def test_transform_is_exactly_four_times_the_direct_convolution_within_int16():
    rng = np.random.default_rng(3)
    filt = rng.integers(-127, 128, (5, 3, 3, 4)).astype(np.int8)
    filt[0] = 127
    filt[1] = -127
    u = filter_transform(filt)  # [oc, 16, ic]
    assert np.abs(u).max() <= 1143
    for _ in range(200):
        d = rng.integers(-128, 128, (4, 4, 4))
        d[0, 0] = -128
        v = np.einsum("rk,kci,sc->rsi", BT, d, BT)
        assert np.abs(v).max() <= 510
        for o in range(5):
            y = AT @ (u[o].reshape(4, 4, 4) * v).sum(axis=2) @ AT.T
            direct = [[int((filt[o].astype(np.int64) * d[i:i + 3, j:j + 3]).sum()) for j in range(2)] for i in range(2)]
            assert (y == 4 * np.array(direct)).all()


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.sampled_from([4, 8, 12, 16, 20]),
       cout=st.integers(1, 9), padding=PADS, act=ACTS, per_channel=st.booleans(), bias=st.booleans())
def test_winograd_of_every_size_matches_tflm(seed, h, w, cin, cout, padding, act, per_channel, bias):
    assume(padding == "SAME" or (h >= 3 and w >= 3))
    assume(worthwhile(cin, cout))
    rng = np.random.default_rng(seed)
    assert_winograd_bit_exact(conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=3, kw=3, padding=padding, act=act,
                                         per_channel=per_channel, bias=bias))


@pytest.mark.parametrize("h, w, cin, cout", [(32, 32, 16, 16), (16, 16, 32, 32), (8, 8, 64, 64)])
def test_resnet8_layer_shapes_match_tflm(h, w, cin, cout):
    rng = np.random.default_rng(h + cin)
    assert_winograd_bit_exact(conv_model(rng, h=h, w=w, cin=cin, cout=cout, kh=3, kw=3, act="RELU"), samples=2)


@pytest.mark.parametrize("case, w_scales, out_scale", [
    ("multipliers above 1 (left shifts, general requantization)", [0.5, 0.9, 0.3], 0.004),
    ("tiny multipliers (right shifts past the fast form)", [1e-6, 3e-7, 2e-6], 40.0),
    ("one channel outside the fast form, the others inside", [0.5, 0.01, 0.02], 0.05),
    ("multipliers just below a power of two", [0.0499999, 0.0999999, 0.0249999], 0.1),
])
@pytest.mark.parametrize("act", ["NONE", "RELU6"])
def test_extreme_requantization_matches_tflm(case, w_scales, out_scale, act):
    rng = np.random.default_rng(6)
    assert_winograd_bit_exact(_conv_scales(rng, h=6, w=7, cin=8, cout=3, kh=3, kw=3, in_scale=0.1, w_scales=w_scales,
                                           out_scale=out_scale, act=act))


@pytest.mark.parametrize("zero_point", [-128, 127])
def test_saturated_inputs_and_weights_match_tflm(zero_point):
    """Weights at +-127, inputs at -128 or 127 (verify's first two inputs) over 64 channels,
    the zero point at either end: the largest transformed values and accumulators."""
    rng = np.random.default_rng(10)
    weights = np.where(rng.random((6, 3, 3, 64)) < 0.5, -127, 127).astype(np.int8)
    weights[0] = 127
    weights[1] = -127
    weights[2, :, :, ::2] = -127
    weights[2, :, :, 1::2] = 127
    assert_winograd_bit_exact(_conv_scales(rng, h=7, w=6, cin=64, cout=6, kh=3, kw=3, in_scale=0.05,
                                           w_scales=[1e-4] * 6, out_scale=0.5, weights=weights,
                                           in_zero_point=zero_point), samples=2)


def test_other_shapes_and_size_optimization_keep_the_direct_kernel():
    rng = np.random.default_rng(4)
    assert variants(conv_model(rng, h=6, w=6, cin=8, cout=4, kh=3, kw=3, stride=(2, 2))) == ["dsp-conv"]
    assert variants(conv_model(rng, h=6, w=6, cin=8, cout=4, kh=3, kw=3, dil=(2, 2))) == ["dsp-conv"]
    assert variants(conv_model(rng, h=6, w=6, cin=6, cout=4, kh=3, kw=3)) == ["dsp-conv"]
    assert variants(conv_model(rng, h=6, w=6, cin=8, cout=4, kh=5, kw=5)) == ["dsp-conv"]
    assert variants(conv_model(rng, h=6, w=6, cin=8, cout=4, kh=3, kw=3), "size") == ["dsp-conv-size"]


# --- on the board ---------------------------------------------------------------


def _chain(rng) -> bytes:
    """Stride-1 3x3 convolutions in a row on odd sizes: 8 -> 16 -> 64 -> 12 (VALID) -> 5 channels."""
    layers = [("SAME", 16, "RELU"), ("SAME", 64, "RELU6"), ("VALID", 12, "NONE"), ("SAME", 5, "RELU")]
    h, w, c = 11, 9, 8
    tensors = [T((1, h, w, c), "int8", 0.02, -128)]
    ops = []
    cur = 0
    for pad, cout, act in layers:
        oh, ow = out_size(pad, h, 3, 1), out_size(pad, w, 3, 1)
        ws = [float(v) for v in rng.uniform(0.002, 0.02, cout)]
        tensors.append(T((cout, 3, 3, c), "int8", ws, [0] * cout, 0, rng.integers(-127, 128, (cout, 3, 3, c)).astype(np.int8)))
        tensors.append(T((cout,), "int32", [float(np.float32(tensors[cur].scale) * np.float32(v)) for v in ws], [0] * cout, 0,
                         rng.integers(-2000, 2000, cout).astype(np.int32)))
        tensors.append(T((1, oh, ow, cout), "int8", float(rng.uniform(0.02, 0.1)), int(rng.integers(-128, 0))))
        out = len(tensors) - 1
        ops.append(Op("CONV_2D", [cur, out - 2, out - 1], [out], "Conv2DOptions",
                      dict(Padding=_PAD[pad], StrideW=1, StrideH=1, FusedActivationFunction=_ACT[act])))
        cur, h, w, c = out, oh, ow, cout
    return build(tensors, ops, [0], [cur])


@pytest.mark.emulated
def test_winograd_on_cortex_m4_matches_tflite_micro(tmp_path):
    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    pytest.importorskip("serial")
    import shutil

    if not (shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc")):
        pytest.skip("needs qemu-system-arm and arm-none-eabi-gcc")
    rng = np.random.default_rng(22)
    model = tmp_path / "chain.tflite"
    model.write_bytes(_chain(rng))
    assert variants(model.read_bytes()) == ["dsp-winograd"] * 4
    project = generate_project(model, "qemu-mps2-an386", tmp_path / "p", model_id="ic01", conversion="int8",
                               optimize="speed")
    assert build_project(project.path).warnings == ()
    shape = (1, 11, 9, 8)
    inputs = [np.full(int(np.prod(shape)), -128, np.int8), np.full(int(np.prod(shape)), 127, np.int8),
              rng.integers(-128, 128, int(np.prod(shape))).astype(np.int8)]
    with open_board(project=project.path, infer_timeout=60) as session:
        session.client.name()  # past the boot lines
        for x in inputs:
            session.client.tv_load(x.tobytes())
            _, got = session.client.tv_infer()
            want = tflm_invoke(model, [x.reshape(shape)])[0].reshape(-1).astype(np.int8)
            assert np.frombuffer(got, np.int8).tolist() == want.tolist()
