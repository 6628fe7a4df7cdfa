"""Shared pieces of the operators that only move int8 bytes (slicing, transposing,
splitting, packing, gathering): TFLM copies the bytes without requantizing."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.ops.base import LoweringContext
from tinyvid.model.graph import Tensor

#: dimensions of the strided copy kernel (tv_slice.h)
SLICE_RANK = 6


def int8_tensor(ctx: LoweringContext, t: Tensor | None, role: str) -> Tensor:
    """An int8 tensor whose bytes are moved (its quantization is carried along)."""
    if t is None:
        raise ctx.fail(f"the {role} tensor is missing")
    if t.dtype != "int8":
        raise ctx.unsupported(f"the {role} tensor '{t.name}' is {t.dtype}; only int8 tensors are supported")
    return t


def int_values(ctx: LoweringContext, t: Tensor | None, role: str) -> list[int]:
    """The values of a constant int32/int64 tensor (axes, sizes, indices)."""
    ctx.constant(t, role)
    if t.dtype not in ("int32", "int64"):
        raise ctx.unsupported(f"the {role} tensor '{t.name}' is {t.dtype}; expected int32")
    return [int(v) for v in np.asarray(t.data).reshape(-1)]


def axis(ctx: LoweringContext, value: int, rank: int) -> int:
    a = value + rank if value < 0 else value
    ctx.check(0 <= a < rank, f"axis {value} out of range for rank {rank}")
    return a


def strides_of(shape) -> list[int]:
    """Row-major element strides of ``shape``."""
    out, step = [], 1
    for d in reversed([int(v) for v in shape]):
        out.append(step)
        step *= d
    return out[::-1]


def slice_params(ctx: LoweringContext, start: int, dims: list[int], steps: list[int]) -> list[tuple[str, object]]:
    """The ``tv_slice_params_t`` of output dims ``dims`` reading the input at
    ``start + sum(i_d * steps[d])``."""
    if len(dims) > SLICE_RANK:
        raise ctx.unsupported(f"a rank-{len(dims)} tensor (at most {SLICE_RANK})")
    lead = SLICE_RANK - len(dims)
    dims = [1] * lead + [int(d) for d in dims]
    steps = [0] * lead + [int(s) for s in steps]
    return [("size", int(np.prod(dims, dtype=np.int64))), ("start", int(start)), ("dims", dims), ("steps", steps)]


def outer_inner(shape, ax: int) -> tuple[int, int]:
    shape = [int(d) for d in shape]
    return int(np.prod(shape[:ax], dtype=np.int64)), int(np.prod(shape[ax + 1:], dtype=np.int64))
