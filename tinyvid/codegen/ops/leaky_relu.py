"""LEAKY_RELU: two requantizations, identity for x >= 0 and alpha below."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.unary import unary_io

OPCODE = "LEAKY_RELU"


def lower(ctx: LoweringContext) -> KernelCall:
    x, y = unary_io(ctx)
    sx, sy = np.float32(x.quantization.scale), np.float32(y.quantization.scale)
    alpha = np.float32(ctx.options("alpha", 0.2))
    ma, sa = quant.quantize_multiplier(float(np.float32(sx * alpha / sy)))
    mi, si = quant.quantize_multiplier(float(np.float32(sx / sy)))
    params = [("size", x.size), ("in_zp", x.quantization.zero_point), ("out_zp", y.quantization.zero_point),
              ("mult_identity", mi), ("shift_identity", si), ("mult_alpha", ma), ("shift_alpha", sa)]
    call = f"{ctx.prefix}_leaky_relu_s8(@P@, @T{x.index}@, @T{y.index}@);"
    return KernelCall(("leaky_relu",), call, f"{ctx.prefix}_leaky_relu_params_t", params)
