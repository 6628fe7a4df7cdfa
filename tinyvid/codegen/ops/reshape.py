"""RESHAPE, SQUEEZE, EXPAND_DIMS: the same bytes under a new shape (aliased when safe)."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODES = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.check(len(ctx.op.inputs) >= 1 and len(ctx.op.outputs) == 1, "needs one data input and one output")
    x = ctx.input(0)
    if x is None:
        raise ctx.fail("the input tensor is missing")
    y = ctx.output()
    if x.dtype != "int8" or y.dtype != "int8":
        raise ctx.unsupported(f"only int8 tensors can be reshaped (got {x.dtype} -> {y.dtype})")
    ctx.check(x.size == y.size, f"input {list(x.shape)} and output {list(y.shape)} differ in size")
    alias = None if x.data is not None else (y.index, x.index)
    call = f"{ctx.prefix}_copy_s8({ctx.ptr(x)}, @T{y.index}@, {y.size});"
    return KernelCall(("copy",), call, None, [], alias=alias)
