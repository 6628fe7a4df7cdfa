"""Shared checks of the elementwise one-input operators."""

from __future__ import annotations

from tinyvid.codegen.ops.base import LoweringContext


def unary_io(ctx: LoweringContext):
    ctx.n_inputs(1)
    x = ctx.activation(ctx.input(0), "input")
    y = ctx.activation(ctx.output(), "output")
    ctx.check(tuple(x.shape) == tuple(y.shape), f"input {list(x.shape)} and output {list(y.shape)} differ")
    return x, y
