"""HARD_SWISH: int8 through TFLite's 16-bit fixed-point formulation."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.unary import unary_io

OPCODE = "HARD_SWISH"


def _int16_multiplier(m32: int) -> int:
    """DownScaleInt32ToInt16Multiplier."""
    if m32 >= 2**31 - 1 - (1 << 15):
        return 2**15 - 1
    return (m32 + (1 << 15)) >> 16


def lower(ctx: LoweringContext) -> KernelCall:
    x, y = unary_io(ctx)
    hires = np.float32(np.float32(1.0 / 128.0) * np.float32(x.quantization.scale))
    out_m, out_e = quant.quantize_multiplier(float(np.float32(hires / np.float32(y.quantization.scale))))
    if out_e > 0:
        raise ctx.unsupported("hard swish whose output scale is smaller than input scale / 128 (TFLM refuses it)")
    rel_m, rel_e = quant.quantize_multiplier(float(np.float32(hires / np.float32(3.0 / 32768.0))))
    params = [("size", x.size), ("in_zp", x.quantization.zero_point), ("out_zp", y.quantization.zero_point),
              ("out_mult16", _int16_multiplier(out_m)), ("out_exponent", out_e),
              ("reluish_mult16", _int16_multiplier(rel_m)), ("reluish_exponent", rel_e)]
    call = f"{ctx.prefix}_hard_swish_s8(@P@, @T{x.index}@, @T{y.index}@);"
    return KernelCall(("hard_swish",), call, f"{ctx.prefix}_hard_swish_params_t", params)
