"""SOFTMAX: int8 in, int8 out (scale 1/256, zero point -128), gemmlowp fixed-point exp."""

from __future__ import annotations

import math

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODE = "SOFTMAX"
SCALED_DIFF_INTEGER_BITS = 5


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(1)
    x = ctx.activation(ctx.input(0), "input")
    y = ctx.activation(ctx.output(), "output")
    ctx.check(len(x.shape) >= 1 and tuple(x.shape) == tuple(y.shape) and x.size > 0, "input and output shapes differ")
    if y.quantization.zero_point != -128 or np.float32(y.quantization.scale) != np.float32(1 / 256):
        raise ctx.unsupported("int8 softmax needs output scale 1/256 and zero point -128 (as TFLM)")
    beta = float(np.float32(ctx.options("beta", 1.0)))
    real = min(beta * float(x.quantization.scale) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    if real <= 1.0:
        raise ctx.unsupported(
            f"the softmax input scale {float(x.quantization.scale):.3g} is too small for int8 softmax "
            "(TFLM aborts on it too); the logits barely vary: is the model trained and calibrated?"
        )
    mult, left_shift = quant.quantize_multiplier(real)
    radius = math.floor(((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left_shift))
    depth = int(x.shape[-1])
    params = [
        ("outer", x.size // depth), ("depth", depth),
        ("in_mult", mult), ("in_left_shift", left_shift), ("diff_min", -radius),
    ]
    return KernelCall(("softmax",), f"{ctx.prefix}_softmax_s8(@P@, @T{x.index}@, @T{y.index}@);", f"{ctx.prefix}_softmax_params_t", params)
