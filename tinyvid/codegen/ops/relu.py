"""RELU (rescaled to the output quantization, as TFLM) and RELU6 (a clamp in the input's scale)."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.unary import unary_io

OPCODES = ("RELU", "RELU6")


def lower(ctx: LoweringContext) -> KernelCall:
    x, y = unary_io(ctx)
    if ctx.op.opcode == "RELU":
        m, s = quant.quantize_multiplier(float(x.quantization.scale) / float(y.quantization.scale))
        params = [("size", x.size), ("in_zp", x.quantization.zero_point), ("out_zp", y.quantization.zero_point),
                  ("mult", m), ("shift", s), ("act_min", max(-128, y.quantization.zero_point)), ("act_max", 127)]
        call = f"{ctx.prefix}_requantize_s8(@P@, @T{x.index}@, @T{y.index}@);"
        return KernelCall(("requantize",), call, f"{ctx.prefix}_requantize_params_t", params)
    zero = x.quantization.zero_point
    six = quant.tflite_round(float(np.float32(6.0) / np.float32(x.quantization.scale))) + zero
    six = max(-128, min(127, six))
    params = [("size", x.size), ("lo", zero), ("hi", six)]
    return KernelCall(("clamp",), f"{ctx.prefix}_clamp_s8(@P@, @T{x.index}@, @T{y.index}@);", f"{ctx.prefix}_clamp_params_t", params)
