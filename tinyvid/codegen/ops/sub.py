"""SUB: int8 with broadcasting (TFLM computes its multipliers in float32)."""

from __future__ import annotations

from tinyvid.codegen.ops.add import add_sub_params
from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODE = "SUB"


def lower(ctx: LoweringContext) -> KernelCall:
    params, a, b, y = add_sub_params(ctx, float_math=True)
    return KernelCall(("add", "sub"), f"{ctx.prefix}_sub_s8(@P@, {a}, {b}, @T{y}@);", f"{ctx.prefix}_add_params_t", params)
