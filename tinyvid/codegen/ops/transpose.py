"""TRANSPOSE of an int8 tensor by a constant permutation (up to 5 dimensions, as TFLM)."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.movement import int8_tensor, int_values, slice_params, strides_of

OPCODE = "TRANSPOSE"
MAX_RANK = 5  # TFLM's TRANSPOSE


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    x = int8_tensor(ctx, ctx.input(0), "input")
    y = int8_tensor(ctx, ctx.output(), "output")
    rank = len(x.shape)
    if rank > MAX_RANK:
        raise ctx.unsupported(f"TRANSPOSE of a rank-{rank} tensor (TFLM handles at most {MAX_RANK})")
    perm = int_values(ctx, ctx.input(1), "permutation")
    perm = [p + rank if p < 0 else p for p in perm]
    ctx.check(sorted(perm) == list(range(rank)), f"{perm} is not a permutation of {rank} dimensions")
    expected = [int(x.shape[p]) for p in perm]
    ctx.check(list(y.shape) == expected, f"output {list(y.shape)} is not the transposed shape {expected}")
    in_strides = strides_of(x.shape)
    params = slice_params(ctx, 0, expected, [in_strides[p] for p in perm])
    return KernelCall(("slice",), f"{ctx.prefix}_slice_s8(@P@, {ctx.ptr(x)}, @T{y.index}@);", f"{ctx.prefix}_slice_params_t", params)
