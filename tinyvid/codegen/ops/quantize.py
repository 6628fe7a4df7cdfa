"""QUANTIZE int8 -> int8 (a requantization: new scale and zero point)."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.unary import unary_io

OPCODE = "QUANTIZE"


def lower(ctx: LoweringContext) -> KernelCall:
    x, y = unary_io(ctx)
    m, s = quant.quantize_multiplier(float(x.quantization.scale) / float(y.quantization.scale))
    params = [("size", x.size), ("in_zp", x.quantization.zero_point), ("out_zp", y.quantization.zero_point),
              ("mult", m), ("shift", s), ("act_min", -128), ("act_max", 127)]
    call = f"{ctx.prefix}_requantize_s8(@P@, {ctx.ptr(x)}, @T{y.index}@);"
    return KernelCall(("requantize",), call, f"{ctx.prefix}_requantize_params_t", params)
