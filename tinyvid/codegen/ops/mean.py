"""MEAN of int8 over constant axes (TFLM's fixed-point rescale with 1/count folded into the multiplier)."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODE = "MEAN"
MAX_RANK = 5


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2)
    x = ctx.activation(ctx.input(0), "input")
    y = ctx.activation(ctx.output(), "output")
    axes_t = ctx.constant(ctx.input(1), "axes")
    rank = len(x.shape)
    if rank > MAX_RANK:
        raise ctx.unsupported(f"MEAN of a rank-{rank} tensor (at most {MAX_RANK})")
    axes = sorted({int(a) + rank if int(a) < 0 else int(a) for a in axes_t.data.reshape(-1)})
    ctx.check(all(0 <= a < rank for a in axes) and axes, f"axes {axes_t.data.reshape(-1).tolist()} out of range")
    kept = [d for d in range(rank) if d not in axes]
    keep_dims = bool(ctx.options("keep_dims", False))
    expected = [1 if d in axes else x.shape[d] for d in range(rank)] if keep_dims else [x.shape[d] for d in kept]
    ctx.check(int(np.prod(y.shape, dtype=np.int64)) == int(np.prod(expected, dtype=np.int64)),
              f"output {list(y.shape)} does not match the reduced shape {expected}")
    strides = [int(np.prod(x.shape[d + 1:], dtype=np.int64)) for d in range(rank)]

    def padded(dims):
        return [1] * (MAX_RANK - len(dims)) + [int(x.shape[d]) for d in dims], [0] * (MAX_RANK - len(dims)) + [strides[d] for d in dims]

    kept_dims, kept_strides = padded(kept)
    red_dims, red_strides = padded(axes)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    ctx.check(count > 0, "mean over an empty axis")
    sx, sy = np.float32(x.quantization.scale), np.float32(y.quantization.scale)
    mult, shift = quant.quantize_multiplier(float(sx) / float(sy))
    # fold 1/count into the multiplier, as TFLM's QuantizedMeanOrSum does
    fold = min(count.bit_length() - 1, 32, 31 + shift)
    mult, shift = (mult << fold) // count, shift - fold
    params = [("out_size", y.size), ("count", count), ("kept_dims", kept_dims), ("kept_strides", kept_strides),
              ("red_dims", red_dims), ("red_strides", red_strides), 
              ("mult", mult), ("shift", shift), ("in_zp", x.quantization.zero_point), ("out_zp", y.quantization.zero_point)]
    return KernelCall(("mean",), f"{ctx.prefix}_mean_s8(@P@, @T{x.index}@, @T{y.index}@);", f"{ctx.prefix}_mean_params_t", params)
