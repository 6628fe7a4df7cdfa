"""Shared pieces of the broadcasting binary operators (ADD, SUB, MUL)."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import LoweringContext
from tinyvid.model.graph import Tensor

MAX_RANK = 5


def broadcast(ctx: LoweringContext, a: Tensor, b: Tensor, out: Tensor) -> dict:
    """The ``tv_broadcast_t`` initializer of ``out = a (op) b``."""
    try:
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise ctx.fail(f"shapes {list(a.shape)} and {list(b.shape)} do not broadcast") from None
    ctx.check(tuple(shape) == tuple(out.shape), f"output shape {list(out.shape)} is not the broadcast shape {list(shape)}")
    if len(shape) > MAX_RANK:
        raise ctx.unsupported(f"broadcasting over {len(shape)} dimensions (at most {MAX_RANK})")
    dims = [1] * (MAX_RANK - len(shape)) + [int(d) for d in shape]
    return {"size": int(np.prod(dims)), "dims": dims, "strides1": _strides(a.shape, dims), "strides2": _strides(b.shape, dims)}


def _strides(shape, dims: list[int]) -> list[int]:
    padded = [1] * (len(dims) - len(shape)) + [int(d) for d in shape]
    strides = [0] * len(dims)
    step = 1
    for i in range(len(dims) - 1, -1, -1):
        strides[i] = step if padded[i] == dims[i] and dims[i] != 1 else 0
        step *= padded[i]
    return strides
