"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR of int8 NHWC tensors.

The source rows and columns of every output row and column are computed here as
TFLM computes them (nearest: float32 scale and offset, std::round or floor;
bilinear: its integer arithmetic in 1/1024 steps) and emitted as tables.
"""

from __future__ import annotations

import math

import numpy as np

from tinyvid.codegen.ops.base import KernelCall, LoweringContext, shape_nhwc
from tinyvid.codegen.ops.movement import int8_tensor, int_values

OPCODES = ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR")


def nearest_sources(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    """GetNearestNeighbor for every output index (float32 arithmetic)."""
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    offset = f32(0.5) if half_pixel_centers else f32(0.0)
    out = []
    for v in range(out_size):
        t = float((f32(v) + offset) * scale)
        r = (math.floor(t + 0.5) if t >= 0 else -math.floor(-t + 0.5)) if align_corners else math.floor(t)
        r = min(int(r), in_size - 1)
        if half_pixel_centers:
            r = max(0, r)
        out.append(r)
    return out


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def bilinear_sources(out_size: int, in_size: int, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    """(lower, upper, weight of upper in 1/1024) per output index, as ResizeBilinearInteger."""
    scale = ((1 << 10) * in_size + out_size // 2) // out_size
    if align_corners and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    out = []
    for v in range(out_size):
        scaled = v * scale + scale // 2 - (1 << 9) if half_pixel_centers else v * scale
        lo = max(_cdiv(scaled, 1 << 10), 0)
        hi = min(_cdiv(scaled + (1 << 10) - 1, 1 << 10), in_size - 1)
        out += [lo, hi, scaled - (1 << 10) * lo]
    return out


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    x = int8_tensor(ctx, ctx.input(0), "input")
    y = int8_tensor(ctx, ctx.output(), "output")
    n, h, w, c = shape_nhwc(ctx, x, "input")
    on, oh, ow, oc = shape_nhwc(ctx, y, "output")
    size = int_values(ctx, ctx.input(1), "size")
    ctx.check(size == [oh, ow] and (on, oc) == (n, c), f"output {list(y.shape)} is not the input {list(x.shape)} resized to {size}")
    ctx.check(min(h, w, oh, ow) >= 1, "empty images")
    align, half = bool(ctx.options("align_corners", False)), bool(ctx.options("half_pixel_centers", False))
    if align and half:
        raise ctx.fail("align_corners and half_pixel_centers are both set")
    params = [("batches", n), ("in_h", h), ("in_w", w), ("depth", c), ("out_h", oh), ("out_w", ow)]
    sources = nearest_sources if ctx.op.opcode == "RESIZE_NEAREST_NEIGHBOR" else bilinear_sources
    ys = ctx.op_const("ys", np.array(sources(oh, h, align, half), np.int32))
    xs = ctx.op_const("xs", np.array(sources(ow, w, align, half), np.int32))
    kind = "nearest" if ctx.op.opcode == "RESIZE_NEAREST_NEIGHBOR" else "bilinear"
    call = f"{ctx.prefix}_resize_{kind}_s8(@P@, {ys}, {xs}, {ctx.ptr(x)}, @T{y.index}@);"
    return KernelCall(("resize",), call, f"{ctx.prefix}_resize_params_t", params)
