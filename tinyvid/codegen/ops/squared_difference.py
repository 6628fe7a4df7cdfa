"""SQUARED_DIFFERENCE of int8 tensors with broadcasting (TFLM's left shift of 7 and
rescaling to twice the larger input scale)."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.elementwise import broadcast

OPCODE = "SQUARED_DIFFERENCE"
LEFT_SHIFT = 7


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    a = ctx.activation(ctx.input(0), "first input")
    b = ctx.activation(ctx.input(1), "second input")
    y = ctx.activation(ctx.output(), "output")
    s1, s2, sy = a.quantization.scale, b.quantization.scale, y.quantization.scale  # float32 values, as doubles
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = quant.quantize_multiplier(s1 / twice_max)
    m2, sh2 = quant.quantize_multiplier(s2 / twice_max)
    # (1 << 14) * output_scale is a float32 product in TFLM
    mo, sho = quant.quantize_multiplier(twice_max * twice_max / float(quant.f32((1 << (2 * LEFT_SHIFT)) * quant.f32(sy))))
    params = [("bc", broadcast(ctx, a, b, y)), ("in1_offset", -a.quantization.zero_point),
              ("in2_offset", -b.quantization.zero_point), ("out_offset", y.quantization.zero_point),
              ("left_shift", LEFT_SHIFT), ("in1_mult", m1), ("in1_shift", sh1), ("in2_mult", m2), ("in2_shift", sh2),
              ("out_mult", mo), ("out_shift", sho)]
    call = f"{ctx.prefix}_squared_difference_s8(@P@, {ctx.ptr(a)}, {ctx.ptr(b)}, @T{y.index}@);"
    return KernelCall(("squared_difference",), call, f"{ctx.prefix}_squared_difference_params_t", params)
