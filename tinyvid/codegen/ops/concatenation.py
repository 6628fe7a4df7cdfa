"""CONCATENATION of int8 tensors that share the output's quantization (TFLM copies bytes)."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODE = "CONCATENATION"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.check(len(ctx.op.inputs) >= 1 and len(ctx.op.outputs) == 1, "needs inputs and one output")
    y = ctx.activation(ctx.output(), "output")
    xs = [ctx.activation(ctx.input(k), f"input {k}") for k in range(len(ctx.op.inputs))]
    rank = len(y.shape)
    axis = int(ctx.options("axis", 0))
    axis = axis + rank if axis < 0 else axis
    ctx.check(0 <= axis < rank, f"axis {ctx.options('axis')} out of range for rank {rank}")
    for x in xs:
        ctx.check(len(x.shape) == rank and all(x.shape[d] == y.shape[d] for d in range(rank) if d != axis),
                  f"input {list(x.shape)} does not fit output {list(y.shape)} along axis {axis}")
        if np.float32(x.quantization.scale) != np.float32(y.quantization.scale) or x.quantization.zero_point != y.quantization.zero_point:
            raise ctx.unsupported("inputs with a quantization different from the output's (requantizing concatenation)")
    ctx.check(sum(x.shape[axis] for x in xs) == y.shape[axis], "input sizes do not add up to the output along the axis")
    if ctx.activation_function() != "NONE":
        raise ctx.unsupported("a fused activation on CONCATENATION")
    inner = int(np.prod(y.shape[axis + 1:], dtype=np.int64))
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    chunks = ctx.op_const("chunks", np.array([x.shape[axis] * inner for x in xs], np.int32))
    ptrs = ", ".join(ctx.ptr(x) for x in xs)
    call = (f"{{\n        const int8_t *const inputs[{len(xs)}] = {{{ptrs}}};\n"
            f"        {ctx.prefix}_concatenation_s8({len(xs)}, inputs, {chunks}, {outer}, @T{y.index}@);\n    }}")
    return KernelCall(("concatenation",), call)
