"""PACK of int8 tensors along a new axis (TFLM copies the bytes)."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.movement import axis, int8_tensor, outer_inner

OPCODE = "PACK"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.check(len(ctx.op.inputs) >= 1 and len(ctx.op.outputs) == 1, "needs inputs and one output")
    xs = [int8_tensor(ctx, ctx.input(k), f"input {k}") for k in range(len(ctx.op.inputs))]
    y = int8_tensor(ctx, ctx.output(), "output")
    ctx.check(int(ctx.options("values_count", len(xs))) == len(xs), "values_count differs from the inputs")
    rank = len(y.shape)
    ax = axis(ctx, int(ctx.options("axis", 0)), rank)
    shape = [int(d) for d in xs[0].shape]
    expected = shape[:ax] + [len(xs)] + shape[ax:]
    ctx.check(all(list(x.shape) == shape for x in xs), "the inputs differ in shape")
    ctx.check(list(y.shape) == expected, f"output {list(y.shape)} is not the packed shape {expected}")
    outer, inner = outer_inner(expected, ax)
    chunks = ctx.op_const("chunks", np.full(len(xs), inner, np.int32))
    ptrs = ", ".join(ctx.ptr(x) for x in xs)
    call = (f"{{\n        const int8_t *const inputs[{len(xs)}] = {{{ptrs}}};\n"
            f"        {ctx.prefix}_concatenation_s8({len(xs)}, inputs, {chunks}, {outer}, @T{y.index}@);\n    }}")
    return KernelCall(("concatenation",), call)
