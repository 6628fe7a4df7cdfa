"""The dsp 1x1 GEMM (CONV_2D 1x1 and FULLY_CONNECTED) is bit-exact with tflite-micro.

Random single-operator models (odd sizes, channel counts and depths not multiples of 4,
strides, per-tensor and per-channel scales, every fused activation, channels whose
multipliers fall outside the fast requantization) are generated for ``target="dsp"``,
built on the host under ASan+UBSan (``tv_arm.h`` emulates each instruction) and compared
with tflite-micro; one test runs them on the emulated Cortex-M4F, where the inline
assembly runs.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importlib
from tinyvid.codegen.emit import generate_c, lower_and_plan
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import T, Op, _act_tensor, build, out_size

PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
OPTIMIZE = st.sampled_from(["speed", "size"])
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}

#: real multiplier (input scale x filter scale / output scale) of a channel of each kind
KINDS = {
    "normal": None,  # a trained layer's: right shift 5..10
    "tiny": 2.0 ** -27,  # a right shift of 26 (23..31): the fast form adds the zero point after its shift
    "zero": 1e-12,  # underflows: TFLite's multiplier 0 (the output is the zero point)
    "e0": 0.75,  # right shift 0: the general requantization
    "left": 2.5,  # a left shift: the general requantization
}


def _weights(rng, shape, per_channel, kinds, x_scale, y_scale, depth):
    """Filter tensor data and scales; ``kinds`` (one per output channel) picks each channel's multiplier."""
    units = shape[0]
    data = rng.integers(-127, 128, shape).astype(np.int8)
    typical = y_scale * 40.0 / (x_scale * 74.0 * 73.0 * np.sqrt(depth))  # output values of about +-40
    scales = rng.uniform(0.5, 1.5, units if per_channel else 1) * typical
    for c, kind in enumerate(kinds[: len(scales)]):
        if KINDS[kind] is not None:
            scales[c] = KINDS[kind] * y_scale / x_scale
    return data, [float(s) for s in scales]


def _bias(rng, x_scale, w_scales, units) -> T:
    bs = [float(np.float32(x_scale) * np.float32(s)) for s in w_scales]
    if len(bs) == 1:
        bs = bs * units
    return T((units,), "int32", bs, [0] * units, 0, rng.integers(-5000, 5000, units).astype(np.int32))


def pointwise_op(rng, tensors, x, *, cout, stride=(1, 1), padding="SAME", act="NONE", per_channel=True, bias=True,
                 kinds=(), out_scale=None):
    """Appends a 1x1 CONV_2D reading tensor ``x`` to ``tensors``; returns (op, output index)."""
    _, h, w, cin = tensors[x].shape
    xs = tensors[x].scale
    y = _act_tensor(rng, (1, out_size(padding, h, 1, stride[0]), out_size(padding, w, 1, stride[1]), cout),
                    scale=out_scale if out_scale is not None else rng.uniform(0.02, 0.5))
    data, scales = _weights(rng, (cout, 1, 1, cin), per_channel, list(kinds), xs, y.scale, cin)
    tensors.append(T((cout, 1, 1, cin), "int8", scales if per_channel else scales[0],
                     [0] * cout if per_channel else 0, 0, data))
    inputs = [x, len(tensors) - 1]
    if bias:
        tensors.append(_bias(rng, xs, scales, cout))
        inputs.append(len(tensors) - 1)
    else:
        inputs.append(-1)
    tensors.append(y)
    opts = dict(Padding={"SAME": 0, "VALID": 1}[padding], StrideW=stride[1], StrideH=stride[0],
                FusedActivationFunction=_ACT[act], DilationWFactor=1, DilationHFactor=1)
    return Op("CONV_2D", inputs, [len(tensors) - 1], "Conv2DOptions", opts), len(tensors) - 1


def fc_op(rng, tensors, x, *, depth, units, act="NONE", per_channel=False, bias=True, kinds=(), out_scale=None):
    """Appends a FULLY_CONNECTED reading tensor ``x`` (any shape holding rows of ``depth``)."""
    rows = int(np.prod(tensors[x].shape)) // depth
    xs = tensors[x].scale
    y = _act_tensor(rng, (rows, units), scale=out_scale if out_scale is not None else rng.uniform(0.05, 0.5))
    data, scales = _weights(rng, (units, depth), per_channel, list(kinds), xs, y.scale, depth)
    tensors.append(T((units, depth), "int8", scales if per_channel else scales[0], [0] * units if per_channel else 0, 0, data))
    inputs = [x, len(tensors) - 1]
    if bias:
        tensors.append(_bias(rng, xs, scales, units))
        inputs.append(len(tensors) - 1)
    else:
        inputs.append(-1)
    tensors.append(y)
    return Op("FULLY_CONNECTED", inputs, [len(tensors) - 1], "FullyConnectedOptions",
              dict(FusedActivationFunction=_ACT[act])), len(tensors) - 1


def one_op_model(rng, make, shape, **kw) -> bytes:
    tensors = [_act_tensor(rng, shape)]
    op, y = make(rng, tensors, 0, **kw)
    return build(tensors, [op], [0], [y])


def variants(model: bytes, tmp_path, optimize: str = "speed") -> list[str]:
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    lowered, _ = lower_and_plan(load_graph(path), "tvv", "dsp", {"optimize": optimize})
    return [c.variant for c in lowered.calls]


def assert_exact_on_dsp(model: bytes, optimize: str = "speed") -> None:
    r = verify(model, samples=4, measure_tflm_arena=False, target="dsp", optimize=optimize)
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def requant_forms(model: bytes, tmp_path) -> str:
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    files, _, _ = generate_c(load_graph(path), "tvv", target="dsp")
    return files["tvv.c"]


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.integers(1, 40),
       cout=st.integers(1, 9), sh=st.integers(1, 3), sw=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]),
       act=ACTS, per_channel=st.booleans(), bias=st.booleans(), optimize=OPTIMIZE)
def test_pointwise_conv_matches_tflm(tmp_path_factory, seed, h, w, cin, cout, sh, sw, padding, act, per_channel, bias,
                                     optimize):
    rng = np.random.default_rng(seed)
    model = one_op_model(rng, pointwise_op, (1, h, w, cin), cout=cout, stride=(sh, sw), padding=padding, act=act,
                         per_channel=per_channel, bias=bias)
    assert variants(model, tmp_path_factory.mktemp("v"), optimize) == ["dsp-gemm-size" if optimize == "size" else "dsp-gemm"]
    assert_exact_on_dsp(model, optimize)


@PROPERTY
@given(seed=st.integers(0, 2**31), batches=st.integers(1, 4), depth=st.integers(1, 70), units=st.integers(1, 12),
       act=ACTS, per_channel=st.booleans(), bias=st.booleans(), optimize=OPTIMIZE)
def test_fully_connected_matches_tflm(tmp_path_factory, seed, batches, depth, units, act, per_channel, bias, optimize):
    rng = np.random.default_rng(seed)
    model = one_op_model(rng, fc_op, (batches, depth), depth=depth, units=units, act=act, per_channel=per_channel, bias=bias)
    assert variants(model, tmp_path_factory.mktemp("v"), optimize)[0].startswith("dsp-gemm")
    assert_exact_on_dsp(model, optimize)


@PROPERTY
@given(seed=st.integers(0, 2**31), cin=st.integers(1, 20), kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=7),
       act=ACTS, fc=st.booleans())
def test_extreme_multipliers_and_shifts_stay_exact(tmp_path_factory, seed, cin, kinds, act, fc):
    rng = np.random.default_rng(seed)
    if fc:
        model = one_op_model(rng, fc_op, (3, cin), depth=cin, units=len(kinds), act=act, per_channel=True, kinds=kinds)
    else:
        model = one_op_model(rng, pointwise_op, (1, 3, 5, cin), cout=len(kinds), act=act, kinds=kinds)
    general = any(k in ("e0", "left") for k in kinds)
    code = requant_forms(model, tmp_path_factory.mktemp("c"))
    assert ("general requantization" in code) == general and ("fast requantization" in code) == (not general)
    assert_exact_on_dsp(model)


def test_channels_with_large_right_shifts_keep_the_fast_form_with_the_zero_point_after_it(tmp_path):
    rng = np.random.default_rng(5)
    model = one_op_model(rng, pointwise_op, (1, 4, 3, 12), cout=6, kinds=["normal", "tiny", "zero", "normal", "tiny", "normal"])
    code = requant_forms(model, tmp_path)
    rq = code.split("_rq(int32_t acc, const int32_t *q)")[1].split("}")[0]
    assert "fast requantization" in code and "_requant_fast_words(" in rq and ") + " in rq  # zero point after the shift
    assert_exact_on_dsp(model)


def test_more_than_63_groups_of_4_inputs_take_several_assembly_blocks(tmp_path):
    rng = np.random.default_rng(6)
    model = one_op_model(rng, pointwise_op, (1, 3, 3, 261), cout=5)
    assert requant_forms(model, tmp_path).count("__asm__(") >= 2 * 4  # 66 groups: 2 statements per block shape
    assert_exact_on_dsp(model)


def test_grouped_and_larger_filters_are_left_to_other_kernels(tmp_path):
    from .modelbuilder import conv_model

    rng = np.random.default_rng(7)
    assert variants(conv_model(rng, h=5, w=5, cin=4, cout=4, kh=1, kw=1, groups=2), tmp_path) != ["dsp-gemm"]
    assert variants(conv_model(rng, h=5, w=5, cin=4, cout=4, kh=3, kw=3), tmp_path) != ["dsp-gemm"]


def test_weights_zero_point_keeps_the_portable_fully_connected(tmp_path):
    rng = np.random.default_rng(8)
    tensors = [_act_tensor(rng, (2, 9))]
    op, y = fc_op(rng, tensors, 0, depth=9, units=3)
    tensors[1].zero_point = 3
    model = build(tensors, [op], [0], [y])
    assert variants(model, tmp_path) == ["c"]


# --- on the emulated Cortex-M4F: the inline assembly ---------------------------------


def _board_model(seed: int) -> bytes:
    """1x1 13 -> 260, 1x1 stride 2 260 -> 7 (66 groups, tiny and zero-multiplier channels),
    FULLY_CONNECTED 7 -> 5 (RELU6) over the 12 pixels with a left-shift channel (general form)."""
    rng = np.random.default_rng(seed)
    tensors = [_act_tensor(rng, (1, 5, 7, 13))]
    op0, y0 = pointwise_op(rng, tensors, 0, cout=260, out_scale=0.05)
    op1, y1 = pointwise_op(rng, tensors, y0, cout=7, stride=(2, 2), kinds=["normal", "tiny", "normal", "zero"], out_scale=0.1)
    op2, y2 = fc_op(rng, tensors, y1, depth=7, units=5, per_channel=True, kinds=["normal", "left"], act="RELU6", out_scale=0.1)
    return build(tensors, [op0, op1, op2], [0], [y2])


@pytest.mark.emulated
@pytest.mark.skipif(not (shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc")),
                    reason="needs qemu-system-arm and arm-none-eabi-gcc")
@pytest.mark.parametrize("optimize", ["speed", "size"])
def test_the_gemm_on_the_emulated_cortex_m4_matches_tflite_micro(tmp_path, optimize):
    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    model = tmp_path / "gemm.tflite"
    model.write_bytes(_board_model(9))
    assert variants(model.read_bytes(), tmp_path, optimize) == ["dsp-gemm-size" if optimize == "size" else "dsp-gemm"] * 3
    project = generate_project(model, "qemu-mps2-an386", tmp_path / "p", conversion="int8", optimize=optimize)
    assert build_project(project.path).warnings == ()
    rng = np.random.default_rng(1)
    with open_board(project=project.path, infer_timeout=60) as session:
        session.client.name()  # past the boot lines
        for _ in range(3):
            x = rng.integers(-128, 128, (1, 5, 7, 13), dtype=np.int8)
            want = tflm_invoke(model, [x])[0].reshape(-1).astype(np.int8)
            session.client.tv_load(x.tobytes())
            got = np.frombuffer(session.client.tv_infer()[1], np.int8)
            assert got.tolist() == want.tolist()
