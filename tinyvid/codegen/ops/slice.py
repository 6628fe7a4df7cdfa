"""SLICE and STRIDED_SLICE of int8 tensors (constant begin / size / end / strides),
with TFLM's index rules (negative indices, clamping, begin/end/shrink masks)."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.movement import int8_tensor, int_values, slice_params, strides_of

OPCODES = ("SLICE", "STRIDED_SLICE")
#: TFLM's SLICE and STRIDED_SLICE handle up to 4 (5) dimensions
MAX_RANK = {"SLICE": 5, "STRIDED_SLICE": 4}
_LOWEST, _MAX = -(2**31), 2**31 - 1


def _clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


def _strided(begin: list[int], end: list[int], strides: list[int], shape, begin_mask: int, end_mask: int, shrink: int):
    """Per axis (start, count, stride, kept) exactly as TFLM's StartForAxis / StopForAxis."""
    out = []
    for a, size in enumerate(shape):
        stride = strides[a]
        if size == 0:
            out.append((0, 0, stride, not shrink & (1 << a)))
            continue
        start = begin[a]
        if begin_mask & (1 << a):
            start = _LOWEST if stride > 0 else _MAX
        if start < 0:
            start += size
        start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
        if shrink & (1 << a):
            stop = start + 1
        else:
            stop = end[a]
            if end_mask & (1 << a):
                stop = _MAX if stride > 0 else _LOWEST
            if stop < 0:
                stop += size
            stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
        out.append((start, len(range(start, stop, stride)), stride, not shrink & (1 << a)))
    return out


def lower(ctx: LoweringContext) -> KernelCall:
    op = ctx.op.opcode
    ctx.n_inputs(3 if op == "SLICE" else 4)
    x = int8_tensor(ctx, ctx.input(0), "input")
    y = int8_tensor(ctx, ctx.output(), "output")
    rank = len(x.shape)
    if rank > MAX_RANK[op]:
        raise ctx.unsupported(f"{op} of a rank-{rank} tensor (TFLM handles at most {MAX_RANK[op]})")
    shape = [int(d) for d in x.shape]
    begin = int_values(ctx, ctx.input(1), "begin")
    ctx.check(len(begin) == rank, f"{len(begin)} begin indices for a rank-{rank} input")
    if op == "SLICE":
        size = int_values(ctx, ctx.input(2), "size")
        ctx.check(len(size) == rank, f"{len(size)} sizes for a rank-{rank} input")
        axes = []
        for a in range(rank):
            n = shape[a] - begin[a] if size[a] == -1 else size[a]
            ctx.check(0 <= begin[a] and n >= 0 and begin[a] + n <= shape[a],
                      f"slice begin {begin[a]} size {size[a]} out of range for dimension {a} of size {shape[a]}")
            axes.append((begin[a], n, 1, True))
    else:
        end = int_values(ctx, ctx.input(2), "end")
        strides = int_values(ctx, ctx.input(3), "strides")
        ctx.check(len(end) == rank and len(strides) == rank, "begin, end and strides must have one value per input dimension")
        ctx.check(all(s != 0 for s in strides), "a stride is 0")
        # TFLM ignores the ellipsis and new-axis masks (it sets them to 0) and the offset option
        axes = _strided(begin, end, strides, shape, int(ctx.options("begin_mask", 0)), int(ctx.options("end_mask", 0)),
                        int(ctx.options("shrink_axis_mask", 0)))
    kept = [n for _, n, _, keep in axes if keep]
    ctx.check(list(y.shape) == kept, f"output {list(y.shape)} is not the sliced shape {kept}")
    in_strides = strides_of(shape)
    start = sum(s * st for (s, n, _, _), st in zip(axes, in_strides) if n > 0)
    params = slice_params(ctx, start, [n for _, n, _, _ in axes], [stride * st for (_, _, stride, _), st in zip(axes, in_strides)])
    return KernelCall(("slice",), f"{ctx.prefix}_slice_s8(@P@, {ctx.ptr(x)}, @T{y.index}@);", f"{ctx.prefix}_slice_params_t", params)
