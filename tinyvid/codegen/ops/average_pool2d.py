"""AVERAGE_POOL_2D: int8 average over the in-bounds cells of each window."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.pool import pool_params
from tinyvid.codegen.overlap import window_overlap

OPCODE = "AVERAGE_POOL_2D"


def lower(ctx: LoweringContext) -> KernelCall:
    params, x, y = pool_params(ctx)
    call = f"{ctx.prefix}_average_pool2d_s8(@P@, @T{x}@, @T{y}@)"
    return KernelCall(("average_pool2d",), call, f"{ctx.prefix}_pool_params_t", params, returns_status=True,
                      overlap=window_overlap(x, params))
