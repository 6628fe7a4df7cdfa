"""PRELU: int8 input, int8 alpha (broadcast, usually constant per channel)."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.elementwise import broadcast

OPCODE = "PRELU"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    x = ctx.activation(ctx.input(0), "input")
    alpha = ctx.activation(ctx.input(1), "alpha")
    y = ctx.activation(ctx.output(), "output")
    sx, sa, sy = float(x.quantization.scale), float(alpha.quantization.scale), float(y.quantization.scale)
    mi, si = quant.quantize_multiplier(sx / sy)  # CalculatePreluParams: double from the float32 scales
    ma, sa_ = quant.quantize_multiplier(sx * sa / sy)
    params = [("bc", broadcast(ctx, x, alpha, y)), ("in_offset", -x.quantization.zero_point),
              ("alpha_offset", -alpha.quantization.zero_point), ("out_offset", y.quantization.zero_point),
              ("mult_identity", mi), ("shift_identity", si), ("mult_alpha", ma), ("shift_alpha", sa_)]
    call = f"{ctx.prefix}_prelu_s8(@P@, {ctx.ptr(x)}, {ctx.ptr(alpha)}, @T{y.index}@);"
    return KernelCall(("prelu",), call, f"{ctx.prefix}_prelu_params_t", params)
