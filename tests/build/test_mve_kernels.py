"""The Helium kernels (tinyvid/codegen/fast/mve_*.py) on the emulated Cortex-M55
(qemu-mps3-an547): a chain of every kernel variant, the real MVE instructions, matches
tflite-micro bit for bit."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from dut_client import DutClient
from helpers import have_arm_toolchain, have_qemu

from tinyvid.build import build_project, launch_board
from tinyvid.codegen.lower import lower_graph
from tinyvid.model.reader import load_graph
from tinyvid.project import generate_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "codegen"))
from modelbuilder import Op, T, build, out_size  # noqa: E402

_PAD = {"SAME": 0, "VALID": 1}
_ACT = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}


def _chain(rng) -> tuple[bytes, int]:
    """A chain of every kernel: a 3x3 stride-2 first layer of 3 channels, a depthwise 3x3
    of 8 channels (a tail of none), a 1x1 to 19 channels (K tail predicated), a depthwise
    of 19 (a channel tail), a dilated 3x3 with left shifts, a strided 1x1 and a fully
    connected layer."""
    h = w = 13
    c = 3
    tensors = [T((1, h, w, c), "int8", 0.02, -128)]
    ops = []
    cur = 0
    layers = [  # kind, k, stride, dil, cout, act, multiplier scale
        ("conv", 3, 2, 1, 8, "RELU", 1.0),
        ("dw", 3, 1, 1, 8, "RELU6", 1.0),
        ("conv", 1, 1, 1, 19, "NONE", 1.0),
        ("dw", 3, 2, 1, 19, "RELU", 1.0),
        ("conv", 3, 1, 2, 12, "NONE", 200.0),
        ("conv", 1, 2, 1, 20, "RELU", 1.0),
    ]
    for kind, k, s, d, cout, act, boost in layers:
        oh, ow = out_size("SAME", h, k, s, d), out_size("SAME", w, k, s, d)
        ws = [float(v) * boost for v in rng.uniform(0.002, 0.02, cout)]
        shape = (1, k, k, cout) if kind == "dw" else (cout, k, k, c)
        tensors.append(T(shape, "int8", ws, [0] * cout, 3 if kind == "dw" else 0, rng.integers(-127, 128, shape).astype(np.int8)))
        tensors.append(T((cout,), "int32", [float(np.float32(tensors[cur].scale) * np.float32(v)) for v in ws], [0] * cout, 0,
                         rng.integers(-2000, 2000, cout).astype(np.int32)))
        tensors.append(T((1, oh, ow, cout), "int8", float(rng.uniform(0.05, 0.2)), int(rng.integers(-128, 0))))
        out = len(tensors) - 1
        opts = dict(Padding=_PAD["SAME"], StrideW=s, StrideH=s, FusedActivationFunction=_ACT[act], DilationWFactor=d,
                    DilationHFactor=d)
        if kind == "dw":
            ops.append(Op("DEPTHWISE_CONV_2D", [cur, out - 2, out - 1], [out], "DepthwiseConv2DOptions",
                          dict(opts, DepthMultiplier=1)))
        else:
            ops.append(Op("CONV_2D", [cur, out - 2, out - 1], [out], "Conv2DOptions", opts))
        cur, h, w, c = out, oh, ow, cout
    depth, units = h * w * c, 10
    tensors.append(T((1, depth), "int8", tensors[cur].scale, tensors[cur].zero_point))
    flat = len(tensors) - 1
    tensors.append(T((2,), "int32", None, 0, 0, np.array([1, depth], np.int32)))
    ops.append(Op("RESHAPE", [cur, flat + 1], [flat]))
    ws = float(rng.uniform(0.002, 0.01))
    tensors.append(T((units, depth), "int8", ws, 0, 0, rng.integers(-127, 128, (units, depth)).astype(np.int8)))
    tensors.append(T((units,), "int32", float(np.float32(tensors[cur].scale) * np.float32(ws)), 0, 0,
                     rng.integers(-2000, 2000, units).astype(np.int32)))
    tensors.append(T((1, units), "int8", 0.1, 3))
    out = len(tensors) - 1
    ops.append(Op("FULLY_CONNECTED", [flat, out - 2, out - 1], [out], "FullyConnectedOptions",
                  dict(FusedActivationFunction=0)))
    return build(tensors, ops, [0], [out]), 13 * 13 * 3


@pytest.mark.emulated
@pytest.mark.skipif(not (have_qemu() and have_arm_toolchain()), reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_helium_kernels_on_the_cortex_m55_match_tflite_micro(tmp_path):
    from tinyvid.model.reference import tflm_invoke

    rng = np.random.default_rng(21)
    data, size = _chain(rng)
    model = tmp_path / "chain.tflite"
    model.write_bytes(data)
    assert [v for v in [c.variant for c in lower_graph(load_graph(data), "model", "mve", {}).calls] if v != "c"] == ["mve-im2col", "mve-dw", "mve-1x1", "mve-dw",
                                                       "mve-im2col", "mve-1x1", "mve-fc"]
    hand = [("__asm__" in (c.code or "")) for c in lower_graph(load_graph(data), "model", "mve", {}).calls if c.variant != "c"]
    assert hand == [True, True, True, True, True, False, False]  # assembly on the board: im2col, dw and 1x1 blocks
    project = generate_project(model, "qemu-mps3-an547", tmp_path / "p", model_id="ic01", conversion="int8")
    assert build_project(project.path).warnings == ()
    inputs = [np.full(size, -128, np.int8), np.full(size, 127, np.int8)]
    inputs += [rng.integers(-128, 128, size).astype(np.int8) for _ in range(3)]
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for x in inputs:
            want = tflm_invoke(model, [x.reshape(1, 13, 13, 3)])[0].reshape(-1).astype(np.int8)
            assert dut.tv_load(x.tobytes(), timeout=60) == ["m-load-done", "m-ready"]
            reply = dut.command("tv-infer", timeout=60)
            assert reply[1] == f"m-tv-output-[{want.astype(np.uint8).tobytes().hex()}]"


def _depthwise_branches(rng) -> tuple[bytes, tuple[int, ...]]:
    """Layers of every variant of the hand-scheduled channel loop, side by side on
    one input, their outputs flattened and concatenated (so every byte of each is compared):
    per branch kernel, stride, dilation, padding, depth multiplier, activation, weight scale
    range and weight magnitude. The output zero point -3 makes RELU and RELU6 clamp inside
    int8 (VMAX/VMIN) and NONE use the whole range (VQMOVNB); weight scales above 5 give
    left shifts, and mixed with small ones, channels with and without a right shift."""
    h, w, c = 9, 9, 6
    shape = (1, h, w, c)
    out_scale, out_zp, in_scale = 0.1, -3, 0.02
    tensors = [T(shape, "int8", in_scale, -7)]
    ops, flats = [], []
    branches = [  # source, kind, k, stride, dil, padding, depth multiplier or channels, act, weight scales, |w| max
        ("in", "dw", 3, 1, 1, "SAME", 1, "NONE", (0.002, 0.02), 127),    # right shifts, whole range, a tail of 3
        ("in", "dw", 3, 2, 1, "SAME", 1, "RELU", (0.002, 0.02), 127),    # stride 2 (two column phases), clamped
        ("in", "dw", 3, 1, 1, "SAME", 1, "NONE", (0.0005, 12.0), 3),     # left and right shifts mixed
        ("in", "dw", 2, 1, 1, "VALID", 2, "RELU6", (0.002, 0.02), 127),  # depth multiplier 2, 2x2 taps
        ("in", "dw", 3, 3, 2, "SAME", 1, "NONE", (0.002, 0.02), 127),    # stride 3, dilation 2
        ("in", "dw", 3, 1, 1, "SAME", 1, "NONE", (6.0, 12.0), 2),        # left shifts only (no rounding shift)
        ("in", "dw", 5, 1, 1, "SAME", 1, "RELU", (0.001, 0.005), 127),   # 25 taps: the C loop on the board
        ("in", "dw", 3, 1, 1, "SAME", 1, "RELU", (6.0, 12.0), 2),        # left shifts, clamped: the C loop
        # 1x1 CONV_2D, 81 pixels, the GEMM block: 6 -> 32 (a k tail of 6), 32 -> 144 (20 blocks of 4 rows and a block of 1; not an output, to keep the output small, but every
        # byte of it feeds the next), 144 -> 20 (rows past the immediate offsets: post-incremented),
        # 20 -> 24 (a k tail; the last row in C) with left and right shifts, and a stride 2
        ("in", "conv", 1, 1, 1, "VALID", 32, "NONE", (0.002, 0.02), 127),
        ("prev", "conv", 1, 1, 1, "VALID", 144, "NONE", (0.001, 0.01), 127, False),
        ("prev", "conv", 1, 1, 1, "VALID", 20, "RELU", (0.0005, 0.004), 127),
        ("prev", "conv", 1, 1, 1, "VALID", 24, "NONE", (0.01, 8.0), 3),
        ("prev", "conv", 1, 2, 1, "VALID", 12, "RELU6", (0.002, 0.02), 127),
        # 3x3 CONV_2D through im2col: windows inside the image gathered 4 at a time (rows of 18 bytes: a
        # vector and a predicated tail), the others one by one with the zero point at the border
        ("in", "conv", 3, 1, 1, "SAME", 8, "RELU", (0.002, 0.02), 127),
    ]
    prev = None
    for src, kind, k, s, d, pad, m, act, (w_lo, w_hi), wmax, *flat in branches:
        x, (ih, iw, ic), x_scale = (0, (h, w, c), in_scale) if src == "in" else prev
        oc = ic * m if kind == "dw" else m
        oh, ow = out_size(pad, ih, k, s, d), out_size(pad, iw, k, s, d)
        ws = [float(v) for v in rng.uniform(w_lo, w_hi, oc)]
        wshape = (1, k, k, oc) if kind == "dw" else (oc, k, k, ic)
        tensors.append(T(wshape, "int8", ws, [0] * oc, 3 if kind == "dw" else 0,
                         rng.integers(-wmax, wmax + 1, wshape).astype(np.int8)))
        tensors.append(T((oc,), "int32", [float(np.float32(x_scale) * np.float32(v)) for v in ws], [0] * oc, 0,
                         rng.integers(-400, 400, oc).astype(np.int32)))
        tensors.append(T((1, oh, ow, oc), "int8", out_scale, out_zp))
        y = len(tensors) - 1
        opts = dict(Padding=_PAD[pad], StrideW=s, StrideH=s, FusedActivationFunction=_ACT[act], DilationWFactor=d,
                    DilationHFactor=d)
        if kind == "dw":
            ops.append(Op("DEPTHWISE_CONV_2D", [x, y - 2, y - 1], [y], "DepthwiseConv2DOptions",
                          dict(opts, DepthMultiplier=m)))
        else:
            ops.append(Op("CONV_2D", [x, y - 2, y - 1], [y], "Conv2DOptions", opts))
        prev = (y, (oh, ow, oc), out_scale)
        if flat == [False]:
            continue
        tensors.append(T((1, oh * ow * oc), "int8", out_scale, out_zp))
        tensors.append(T((2,), "int32", None, 0, 0, np.array([1, oh * ow * oc], np.int32)))
        ops.append(Op("RESHAPE", [y, y + 2], [y + 1]))
        flats.append((y + 1, oh * ow * oc))
    while len(flats) > 1:  # tflite-micro's CONCATENATION takes at most 10 inputs
        part, flats = flats[:10], flats[10:]
        tensors.append(T((1, sum(n for _, n in part)), "int8", out_scale, out_zp))
        ops.append(Op("CONCATENATION", [i for i, _ in part], [len(tensors) - 1], "ConcatenationOptions", dict(Axis=1)))
        flats.insert(0, (len(tensors) - 1, sum(n for _, n in part)))
    return build(tensors, ops, [0], [flats[0][0]]), shape


@pytest.mark.emulated
@pytest.mark.skipif(not (have_qemu() and have_arm_toolchain()), reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_helium_channel_loop_variants_on_the_cortex_m55_match_tflite_micro(tmp_path):
    """The hand-scheduled channel loop (tinyvid/codegen/fast/mve_channel.py: inline assembly,
    board only) in each of its forms, and the C loop where it does not apply, bit-exact with
    tflite-micro."""
    from tinyvid.model.reference import tflm_invoke

    rng = np.random.default_rng(33)
    data, shape = _depthwise_branches(rng)
    graph = load_graph(data)
    forms = []
    calls = lower_graph(graph, "model", "mve", {}).calls
    for op in graph.operators:
        if op.opcode in ("DEPTHWISE_CONV_2D", "CONV_2D"):
            forms.append((calls[op.index].variant, "__asm__" in (calls[op.index].code or "")))
    assert forms == [("mve-dw", True)] * 6 + [("mve-dw", False)] * 2 + [("mve-1x1", True)] * 5 + [("mve-im2col", True)]
    model = tmp_path / "dw.tflite"
    model.write_bytes(data)
    project = generate_project(model, "qemu-mps3-an547", tmp_path / "p", model_id="ic01", conversion="int8")
    assert build_project(project.path).warnings == ()
    size = int(np.prod(shape))
    inputs = [np.full(size, -128, np.int8), np.full(size, 127, np.int8)]
    inputs += [rng.integers(-128, 128, size).astype(np.int8) for _ in range(3)]
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for x in inputs:
            want = tflm_invoke(model, [x.reshape(shape)])[0].reshape(-1).astype(np.int8)
            assert dut.tv_load(x.tobytes(), timeout=60) == ["m-load-done", "m-ready"]
            reply = dut.command("tv-infer", timeout=60)
            assert reply[1] == f"m-tv-output-[{want.astype(np.uint8).tobytes().hex()}]"
