"""The dsp depthwise kernels (channel planes) match tflite-micro bit for bit on random layers.

The host build runs each kernel's C path (tv_arm.h's instruction emulation) under
ASan+UBSan; the emulated-board test at the end runs the Arm instructions and the
inline assembly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import Op, T, build, conv_model

PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])


def dw_model(seed, **kw) -> bytes:
    return conv_model(np.random.default_rng(seed), cout=kw["cin"] * kw.get("depth_mult", 1), depthwise=True, **kw)


def variant(model: bytes) -> str:
    return lower_graph(load_graph(model), "tvv", "dsp").calls[0].variant


def assert_bit_exact_dsp(model: bytes, samples: int = 4) -> None:
    r = verify(model, samples=samples, measure_tflm_arena=False, target="dsp")
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 11), w=st.integers(1, 11), cin=st.integers(1, 7), dm=st.integers(1, 3),
       kh=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 2), dh=st.integers(1, 2),
       padding=st.sampled_from(["SAME", "VALID"]), act=ACTS, per_channel=st.booleans())
def test_three_wide_kernels_match_tflm(seed, h, w, cin, dm, kh, sh, sw, dh, padding, act, per_channel):
    assume(padding == "SAME" or (h >= (kh - 1) * dh + 1 and w >= 3))
    model = dw_model(seed, h=h, w=w, cin=cin, depth_mult=dm, kh=kh, kw=3, stride=(sh, sw), dil=(dh, 1), padding=padding,
                     act=act, per_channel=per_channel)
    assert variant(model) == ("dsp-dw3x3" if kh == 3 else "dsp-dw3")
    assert_bit_exact_dsp(model)


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 10), w=st.integers(1, 10), cin=st.integers(1, 6), dm=st.integers(1, 3),
       kh=st.integers(1, 5), kw=st.integers(1, 5), sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 3),
       dw=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]), act=ACTS)
def test_any_kernel_size_stride_and_dilation_matches_tflm(seed, h, w, cin, dm, kh, kw, sh, sw, dh, dw, padding, act):
    assume(padding == "SAME" or (h >= (kh - 1) * dh + 1 and w >= (kw - 1) * dw + 1))
    assume(not (kw == 3 and dw == 1 and sw in (1, 2)))  # the dw3 variant, tested above
    model = dw_model(seed, h=h, w=w, cin=cin, depth_mult=dm, kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw), padding=padding, act=act)
    assert variant(model) == "dsp-dw"
    assert_bit_exact_dsp(model)


def scaled_dw_model(seed, *, h, w, c, stride, out_scale, w_scale=(0.001, 0.05)) -> bytes:
    """A 3x3 SAME depthwise layer with a chosen output scale (the requantization multipliers follow from it)."""
    rng = np.random.default_rng(seed)
    x = T((1, h, w, c), "int8", 0.05, int(rng.integers(-128, 128)))
    ws = [float(s) for s in rng.uniform(*w_scale, c)]
    wt = T((1, 3, 3, c), "int8", ws, [0] * c, 3, rng.integers(-127, 128, (1, 3, 3, c)).astype(np.int8))
    bias = T((c,), "int32", [0.05 * s for s in ws], [0] * c, 0, rng.integers(-5000, 5000, c).astype(np.int32))
    oh, ow = -(-h // stride), -(-w // stride)
    y = T((1, oh, ow, c), "int8", out_scale, int(rng.integers(-128, 128)))
    op = Op("DEPTHWISE_CONV_2D", [0, 1, 2], [3], "DepthwiseConv2DOptions",
            dict(Padding=0, StrideW=stride, StrideH=stride, FusedActivationFunction=0, DilationWFactor=1, DilationHFactor=1,
                 DepthMultiplier=1))
    return build([x, wt, bias, y], [op], [0], [3])


@pytest.mark.parametrize("out_scale, w_scale", [(1e-4, (0.001, 0.05)), (0.06, (0.9, 1.0)), (1e3, (0.001, 0.002))])
def test_multipliers_outside_the_fast_requantization_use_the_general_form(out_scale, w_scale):
    """Left shifts, a zero shift or shifts beyond 22 (tv_requant_fast refuses them) keep TFLM's general form, exactly."""
    for seed, shape in enumerate([dict(h=7, w=9, c=5, stride=1), dict(h=8, w=7, c=6, stride=2)]):
        model = scaled_dw_model(seed, out_scale=out_scale, w_scale=w_scale, **shape)
        call = lower_graph(load_graph(model), "tvv", "dsp").calls[0]
        assert call.variant == "dsp-dw3" and "requant_fast" not in call.code and "mul_by_quantized_mul" in call.code
        assert_bit_exact_dsp(model)


def test_doubled_accumulator_requantization_is_tflms():
    """tv_requant_mulhi's form (SMMLAR of 2 * acc) equals TFLite's double rounding, exact halves included."""
    from tinyvid.codegen.fast.requant import mulhi_requant, reference_mulhi, reference_requant

    rng = np.random.default_rng(5)
    for trial in range(300):
        m = [1 << 30, (1 << 31) - 1][trial % 2] if trial < 40 else int(rng.integers(1 << 30, 1 << 31))
        e, zp = int(rng.integers(1, 23)), int(rng.integers(-128, 128))
        rq = mulhi_requant(np.array([m]), np.array([-e]), zp)
        acc = np.concatenate([np.arange(-260, 260), rng.integers(-(1 << 29), 1 << 29, 200),
                              [-(1 << 30) + 1, (1 << 30) - 1], rng.integers(-1 << 16, 1 << 16, 200) << min(max(e - 2, 0), 13)])
        assert np.array_equal(reference_mulhi(acc, rq, 0), reference_requant(acc, m, -e, zp)), (m, e, zp)
    zero = mulhi_requant(np.array([0]), np.array([0]), -7)
    assert np.array_equal(reference_mulhi(np.array([-5, 0, 5]), zero, 0), [-7, -7, -7])
    assert mulhi_requant(np.array([1 << 30]), np.array([1]), 0) is None  # a left shift: the general form


def test_real_vww_layer_shapes_are_covered():
    for shape in (dict(h=48, w=48, cin=8, stride=(1, 1)), dict(h=48, w=48, cin=16, stride=(2, 2)),
                  dict(h=6, w=6, cin=128, stride=(1, 1)), dict(h=3, w=3, cin=256, stride=(1, 1))):
        assert variant(dw_model(1, kh=3, kw=3, padding="SAME", **shape)) == "dsp-dw3x3"


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 13), w=st.integers(1, 13), cin=st.integers(1, 9), dm=st.integers(1, 3),
       sh=st.integers(1, 3), sw=st.integers(1, 2), dh=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]), act=ACTS)
def test_fused_3x3_blocks_match_tflm(seed, h, w, cin, dm, sh, sw, dh, padding, act):
    """dsp-dw3x3: 2x2 output blocks, the odd last column and row alone, every stride, dilation in H."""
    assume(padding == "SAME" or (h >= 2 * dh + 1 and w >= 3))
    model = dw_model(seed, h=h, w=w, cin=cin, depth_mult=dm, kh=3, kw=3, stride=(sh, sw), dil=(dh, 1), padding=padding,
                     act=act)
    assert variant(model) == "dsp-dw3x3"
    assert_bit_exact_dsp(model, samples=3)


@pytest.mark.parametrize("out_scale, w_scale", [(0.12, (0.9, 1.0)), (300.0, (0.001, 0.0011)), (0.2, (0.001, 0.9))])
def test_fused_3x3_extreme_fast_multipliers(out_scale, w_scale):
    """Right shifts at both ends of tv_requant_fast's range (1 and 22) and mixed per channel in the fused routine."""
    for seed, shape in enumerate([dict(h=7, w=9, c=5, stride=1), dict(h=9, w=8, c=6, stride=2)]):
        model = scaled_dw_model(seed, out_scale=out_scale, w_scale=w_scale, **shape)
        call = lower_graph(load_graph(model), "tvv", "dsp").calls[0]
        assert call.variant == "dsp-dw3x3"
        assert_bit_exact_dsp(model)


def test_outputs_beyond_the_store_offsets_keep_the_accumulator_row_form():
    """A pixel stride past STRB's 12-bit offset (3x3 pixels of 1100 channels): dsp-dw3, still exact."""
    model = dw_model(4, h=3, w=3, cin=1100, kh=3, kw=3, padding="SAME")
    assert variant(model) == "dsp-dw3"
    assert_bit_exact_dsp(model, samples=2)


def test_layers_too_large_for_the_plane_keep_the_portable_kernel():
    model = dw_model(2, h=140, w=140, cin=1, kh=3, kw=3)
    assert variant(model) == "c"


def chain_model(seed: int) -> bytes:
    """Every dsp kernel of this area in one model: dw 3x3 s1 (RELU) -> dw 3x3 s2 x2 -> dw 5x3 dilated
    -> ADD -> AVERAGE_POOL_2D -> MEAN, with odd sizes and channel counts that are not multiples of 4."""
    rng = np.random.default_rng(seed)

    def act(shape, scale):
        return T(shape, "int8", float(scale), int(rng.integers(-100, 100)))

    tensors = [act((1, 13, 11, 5), 0.05)]
    ops = []

    def dw(src, out_shape, k, stride, dil, dm, fused):
        c = out_shape[3]
        ws = [float(s) for s in rng.uniform(0.005, 0.03, c)]
        tensors.append(T((1, k[0], k[1], c), "int8", ws, [0] * c, 3, rng.integers(-127, 128, (1, k[0], k[1], c)).astype(np.int8)))
        tensors.append(T((c,), "int32", [float(np.float32(tensors[src].scale) * s) for s in ws], [0] * c, 0,
                         rng.integers(-3000, 3000, c).astype(np.int32)))
        tensors.append(act(out_shape, 0.08))
        n = len(tensors)
        ops.append(Op("DEPTHWISE_CONV_2D", [src, n - 3, n - 2], [n - 1], "DepthwiseConv2DOptions",
                      dict(Padding=0, StrideW=stride, StrideH=stride, FusedActivationFunction=fused,
                           DilationWFactor=dil, DilationHFactor=dil, DepthMultiplier=dm)))
        return n - 1

    t = dw(0, (1, 13, 11, 5), (3, 3), 1, 1, 1, 1)
    t = dw(t, (1, 7, 6, 10), (3, 3), 2, 1, 2, 0)
    t = dw(t, (1, 7, 6, 10), (5, 3), 1, 2, 1, 0)
    tensors.append(act((1, 7, 6, 10), 0.1))
    ops.append(Op("ADD", [t, t], [len(tensors) - 1], "AddOptions", dict(FusedActivationFunction=1)))
    t = len(tensors) - 1
    tensors.append(T((1, 3, 3, 10), "int8", tensors[t].scale, tensors[t].zero_point))
    ops.append(Op("AVERAGE_POOL_2D", [t], [len(tensors) - 1], "Pool2DOptions",
                  dict(Padding=1, StrideW=2, StrideH=2, FilterWidth=2, FilterHeight=3, FusedActivationFunction=0)))
    t = len(tensors) - 1
    tensors.append(T((2,), "int32", data=np.array([1, 2], np.int32)))
    tensors.append(act((1, 10), 0.02))
    ops.append(Op("MEAN", [t, len(tensors) - 2], [len(tensors) - 1], "ReducerOptions", dict(KeepDims=False)))
    return build(tensors, ops, [0], [len(tensors) - 1])


def test_chain_of_dsp_kernels_is_bit_exact_on_the_host():
    model = chain_model(3)
    calls = lower_graph(load_graph(model), "tvv", "dsp").calls
    assert [c.variant for c in calls] == ["dsp-dw3x3", "dsp-dw3x3", "dsp-dw", "dsp-add-tables", "dsp-avgpool", "dsp-mean"]
    assert_bit_exact_dsp(model, samples=6)


def _board_matches_tflm(tmp_path, model: bytes, shape: tuple, seed: int, name: str) -> None:
    """Builds MODEL for qemu-mps2-an386 and compares the board's outputs with tflite-micro's on
    extreme and random inputs."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "firmware"))
    from dut_client import DutClient
    from helpers import have_arm_toolchain, have_qemu

    from tinyvid.build import build_project, launch_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    if not (have_qemu() and have_arm_toolchain()):
        pytest.skip("needs qemu-system-arm and arm-none-eabi-gcc")
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(model)
    project = generate_project(path, "qemu-mps2-an386", tmp_path / name, model_id="ic01", conversion="int8")
    assert build_project(project.path).warnings == ()
    size = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    inputs = [np.full(size, -128, np.int8), np.full(size, 127, np.int8)]
    inputs += [rng.integers(-128, 128, size).astype(np.int8) for _ in range(3)]
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for x in inputs:
            expected = tflm_invoke(path, [x.reshape(shape)])[0].reshape(-1).astype(np.int8)
            assert dut.tv_load(x.tobytes(), timeout=60) == ["m-load-done", "m-ready"]
            reply = dut.command("tv-infer", timeout=60)
            assert reply[1] == f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]"


@pytest.mark.emulated
def test_dsp_kernels_on_the_cortex_m4_board_match_tflite_micro(tmp_path):
    """The Arm instructions and inline assembly (not the host's C emulation) on qemu-mps2-an386."""
    _board_matches_tflm(tmp_path, chain_model(3), (1, 13, 11, 5), 11, "chain")


@pytest.mark.emulated
@pytest.mark.parametrize("seed, shape, kw", [
    (21, (1, 9, 7, 5), dict(stride=(2, 2), act="RELU6")),
    (22, (1, 10, 9, 3), dict(stride=(3, 2), dil=(2, 1), depth_mult=2, act="RELU_N1_TO_1")),
    (23, (1, 7, 11, 6), dict(stride=(1, 1), padding="VALID", act="RELU")),
])
def test_fused_3x3_routine_on_the_cortex_m4_board_matches_tflite_micro(tmp_path, seed, shape, kw):
    """dsp-dw3x3's assembly on odd sizes (the lone last column and row), stride 2 and 3, dilation, clamps."""
    _, h, w, c = shape
    model = dw_model(seed, h=h, w=w, cin=c, kh=3, kw=3, **{"padding": "SAME", **kw})
    assert variant(model) == "dsp-dw3x3"
    _board_matches_tflm(tmp_path, model, shape, seed, f"dw{seed}")
