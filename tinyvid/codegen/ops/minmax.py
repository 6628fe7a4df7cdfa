"""MAXIMUM and MINIMUM of int8 tensors with broadcasting (TFLM compares the stored values)."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.elementwise import broadcast

OPCODES = ("MAXIMUM", "MINIMUM")


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    a = ctx.activation(ctx.input(0), "first input")
    b = ctx.activation(ctx.input(1), "second input")
    y = ctx.activation(ctx.output(), "output")
    kind = "maximum" if ctx.op.opcode == "MAXIMUM" else "minimum"
    call = f"{ctx.prefix}_{kind}_s8(@P@, {ctx.ptr(a)}, {ctx.ptr(b)}, @T{y.index}@);"
    return KernelCall(("minmax",), call, f"{ctx.prefix}_broadcast_t", list(broadcast(ctx, a, b, y).items()))
