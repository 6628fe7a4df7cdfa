"""GATHER of an int8 tensor along one axis with constant indices."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.movement import axis, int8_tensor, int_values, outer_inner

OPCODE = "GATHER"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    x = int8_tensor(ctx, ctx.input(0), "params")
    y = int8_tensor(ctx, ctx.output(), "output")
    idx_t = ctx.input(1)
    if idx_t is None or idx_t.data is None:
        raise ctx.unsupported("the indices must be a constant tensor")
    indices = int_values(ctx, idx_t, "indices")
    ctx.check(len(indices) > 0, "no indices")
    if int(ctx.options("batch_dims", 0)) != 0:
        raise ctx.unsupported("batch_dims other than 0")
    shape = [int(d) for d in x.shape]
    ax = axis(ctx, int(ctx.options("axis", 0)), len(shape))
    ctx.check(all(0 <= i < shape[ax] for i in indices), f"an index is outside [0, {shape[ax]})")
    expected = shape[:ax] + [int(d) for d in idx_t.shape] + shape[ax + 1:]
    ctx.check(list(y.shape) == expected, f"output {list(y.shape)} is not the gathered shape {expected}")
    outer, inner = outer_inner(shape, ax)
    params = [("outer", outer), ("axis_size", shape[ax]), ("count", len(indices)), ("inner", inner)]
    table = ctx.op_const("indices", np.array(indices, np.int32))
    call = f"{ctx.prefix}_gather_s8(@P@, {ctx.ptr(x)}, {table}, @T{y.index}@);"
    return KernelCall(("gather",), call, f"{ctx.prefix}_gather_params_t", params)
