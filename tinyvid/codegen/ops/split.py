"""SPLIT, SPLIT_V and UNPACK of an int8 tensor along one (constant) axis into its outputs."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.movement import axis, int8_tensor, int_values, outer_inner

OPCODES = ("SPLIT", "SPLIT_V", "UNPACK")


def lower(ctx: LoweringContext) -> KernelCall:
    op = ctx.op.opcode
    if op == "SPLIT":  # inputs: axis, input
        ctx.n_inputs(2)
        x = int8_tensor(ctx, ctx.input(1), "input")
        values = int_values(ctx, ctx.input(0), "axis")
    elif op == "SPLIT_V":  # inputs: input, size_splits, axis
        ctx.n_inputs(3)
        x = int8_tensor(ctx, ctx.input(0), "input")
        values = int_values(ctx, ctx.input(2), "axis")
    else:
        ctx.n_inputs(1)
        x = int8_tensor(ctx, ctx.input(0), "input")
        values = [int(ctx.options("axis", 0))]
    ctx.check(len(values) == 1, "the axis must be one value")
    rank = len(x.shape)
    ax = axis(ctx, values[0], rank)
    ys = [int8_tensor(ctx, ctx.output(k), f"output {k}") for k in range(len(ctx.op.outputs))]
    shape = [int(d) for d in x.shape]
    sizes = []
    for k, y in enumerate(ys):
        if op == "UNPACK":
            expected = shape[:ax] + shape[ax + 1:]
            ctx.check(list(y.shape) == expected, f"output {k} {list(y.shape)} is not {expected}")
            sizes.append(1)
        else:
            ctx.check(len(y.shape) == rank and all(y.shape[d] == shape[d] for d in range(rank) if d != ax),
                      f"output {k} {list(y.shape)} does not fit input {shape} along axis {ax}")
            sizes.append(int(y.shape[ax]))
    ctx.check(sum(sizes) == shape[ax], f"outputs take {sum(sizes)} of {shape[ax]} along axis {ax}")
    if op == "SPLIT":
        ctx.check(int(ctx.options("num_splits", len(ys))) == len(ys), "num_splits differs from the outputs")
    if op == "UNPACK":
        ctx.check(int(ctx.options("num", len(ys))) == len(ys), "num differs from the outputs")
    outer, inner = outer_inner(shape, ax)
    chunks = ctx.op_const("chunks", np.array([s * inner for s in sizes], np.int32))
    ptrs = ", ".join(f"@T{y.index}@" for y in ys)
    call = (f"{{\n        int8_t *const outputs[{len(ys)}] = {{{ptrs}}};\n"
            f"        {ctx.prefix}_split_s8({len(ys)}, {ctx.ptr(x)}, outputs, {chunks}, {outer});\n    }}")
    return KernelCall(("split",), call)
