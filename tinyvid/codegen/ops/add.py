"""ADD: int8 with broadcasting; both inputs rescaled to twice the larger input scale."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.elementwise import broadcast
from tinyvid.codegen.overlap import dies_at

OPCODE = "ADD"
LEFT_SHIFT = 20


def add_sub_params(ctx: LoweringContext, *, float_math: bool) -> tuple[list, str, str, int]:
    """Parameters of ADD (double arithmetic) or SUB (float arithmetic), as TFLM computes them."""
    ctx.n_inputs(2)
    a = ctx.activation(ctx.input(0), "first input")
    b = ctx.activation(ctx.input(1), "second input")
    y = ctx.activation(ctx.output(), "output")
    sa, sb, so = (np.float32(t.quantization.scale) for t in (a, b, y))
    if float_math:
        twice = np.float32(2) * max(sa, sb)
        r1, r2 = float(np.float32(sa / twice)), float(np.float32(sb / twice))
        ro = float(np.float32(twice / (np.float32(1 << LEFT_SHIFT) * so)))
    else:
        twice = 2 * float(max(sa, sb))
        r1, r2 = float(sa) / twice, float(sb) / twice
        ro = twice / ((1 << LEFT_SHIFT) * float(so))
    m1, s1 = quant.quantize_multiplier(r1)
    m2, s2 = quant.quantize_multiplier(r2)
    mo, s_o = quant.quantize_multiplier(ro)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [
        ("bc", broadcast(ctx, a, b, y)),
        ("in1_offset", -a.quantization.zero_point), ("in2_offset", -b.quantization.zero_point),
        ("out_offset", y.quantization.zero_point), ("left_shift", LEFT_SHIFT),
        ("in1_mult", m1), ("in1_shift", s1), ("in2_mult", m2), ("in2_shift", s2),
        ("out_mult", mo), ("out_shift", s_o), ("act_min", act_min), ("act_max", act_max),
    ]
    return params, ctx.ptr(a), ctx.ptr(b), y.index


def lower(ctx: LoweringContext) -> KernelCall:
    params, a, b, y = add_sub_params(ctx, float_math=False)
    return KernelCall(("add",), f"{ctx.prefix}_add_s8(@P@, {a}, {b}, @T{y}@);", f"{ctx.prefix}_add_params_t", params,
                      overlap=elementwise_overlap(ctx))


def elementwise_overlap(ctx: LoweringContext) -> tuple[int, int] | None:
    """In place over an input of the output's shape that dies here (the kernel reads
    element i of that input only to write element i)."""
    y = ctx.output()
    for k in range(len(ctx.op.inputs)):
        t = ctx.input(k)
        if t is not None and t.data is None and tuple(t.shape) == tuple(y.shape) and t.dtype == y.dtype \
                and dies_at(ctx.graph, t.index, ctx.op.index):
            return t.index, 0
    return None
