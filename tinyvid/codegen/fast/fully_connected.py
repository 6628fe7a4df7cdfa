"""FULLY_CONNECTED on the DSP target: the 1x1 GEMM of :mod:`.pointwise` with the batches as pixels.

``out[b][u] = requant(bias'[u] + sum_d w[u][d] * x[b][d])``, per-tensor or per-channel
requantization (a per-tensor multiplier is repeated for every unit), the input offset
folded into the bias. Weights with a non-zero zero point (which TFLM's int8 kernel
allows per tensor) keep the portable kernel: their term depends on the input.
"""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.fast.pointwise import Gemm, fold_bias, gemm_code
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import _multipliers

TARGETS = ("dsp",)
OPCODES = ("FULLY_CONNECTED",)


def specialise(ctx, call):
    p = dict(call.params)
    if p.get("w_offset", 0) != 0:
        return None
    x, w, y = ctx.input(0), ctx.input(1), ctx.output()
    units, depth = (int(d) for d in w.shape)
    b = ctx.input(2)
    scales = ctx.per_channel_scales(w, units, 0) if p["per_channel"] else np.full(units, w.quantization.scales[0], np.float32)
    mult, shift = _multipliers(x.quantization.scale, scales, y.quantization.scale)
    weights = w.data.reshape(units, depth).astype(np.int8)
    gemm = Gemm(
        name=f"{ctx.prefix}_op{ctx.op.index}_fully_connected",
        weights=weights,
        bias=fold_bias(None if b is None else b.data.reshape(-1), weights, p["in_offset"]),
        mult=mult, shift=shift, out_zero_point=p["out_offset"], act_min=p["act_min"], act_max=p["act_max"],
        pixels=p["batches"],
    )
    code, variant = gemm_code(ctx, gemm, w)
    return KernelCall(("arm",), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=code, variant=variant)
