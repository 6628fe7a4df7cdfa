"""MUL: int8 with broadcasting."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.elementwise import broadcast

OPCODE = "MUL"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    a = ctx.activation(ctx.input(0), "first input")
    b = ctx.activation(ctx.input(1), "second input")
    y = ctx.activation(ctx.output(), "output")
    real = float(a.quantization.scale) * float(b.quantization.scale) / float(y.quantization.scale)
    m, s = quant.quantize_multiplier(real)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [
        ("bc", broadcast(ctx, a, b, y)),
        ("in1_offset", -a.quantization.zero_point), ("in2_offset", -b.quantization.zero_point),
        ("out_offset", y.quantization.zero_point), ("out_mult", m), ("out_shift", s),
        ("act_min", act_min), ("act_max", act_max),
    ]
    call = f"{ctx.prefix}_mul_s8(@P@, {ctx.ptr(a)}, {ctx.ptr(b)}, @T{y.index}@);"
    return KernelCall(("mul",), call, f"{ctx.prefix}_mul_params_t", params)
