"""LOGISTIC and TANH: int8 through gemmlowp's fixed-point sigmoid / tanh on a Q4.27 input."""

from __future__ import annotations

import math

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.unary import unary_io

OPCODES = ("LOGISTIC", "TANH")
INPUT_INTEGER_BITS = 4


def lower(ctx: LoweringContext) -> KernelCall:
    x, y = unary_io(ctx)
    if ctx.op.opcode == "LOGISTIC":
        ok = y.quantization.zero_point == -128 and np.float32(y.quantization.scale) == np.float32(1 / 256)
        need = "scale 1/256 and zero point -128"
    else:
        ok = y.quantization.zero_point == 0 and np.float32(y.quantization.scale) == np.float32(1 / 128)
        need = "scale 1/128 and zero point 0"
    if not ok:
        raise ctx.unsupported(f"int8 {ctx.op.opcode.lower()} needs output {need} (as TFLM)")
    real = float(x.quantization.scale) * float(1 << (31 - INPUT_INTEGER_BITS))
    q, left_shift = math.frexp(real)
    if left_shift > 31:
        raise ctx.fail(f"input scale {float(x.quantization.scale):.3g} is out of range")
    mult = quant.tflite_round(q * (1 << 31))
    if mult >= 1 << 31:  # TFLM casts without the QuantizeMultiplier fix-up
        mult -= 1 << 32
    radius = math.floor(((1 << INPUT_INTEGER_BITS) - 1) * float(1 << (31 - INPUT_INTEGER_BITS)) / float(2**left_shift))
    params = [("size", x.size), ("in_zp", x.quantization.zero_point), ("range_radius", radius),
              ("in_mult", mult), ("in_left_shift", left_shift)]
    kernel = "logistic" if ctx.op.opcode == "LOGISTIC" else "tanh"
    call = f"{ctx.prefix}_{kernel}_s8(@P@, @T{x.index}@, @T{y.index}@);"
    return KernelCall((kernel,), call, f"{ctx.prefix}_sigmoid_params_t", params)
