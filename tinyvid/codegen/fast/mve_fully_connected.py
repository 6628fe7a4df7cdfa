"""FULLY_CONNECTED on the ``mve`` target (Cortex-M55 Helium): the CONV_2D GEMM
(``tv_mve_gemm``) with one row per batch, the input offset folded into the bias and
weight rows padded to 16 bytes. Weights with a non-zero zero point keep the portable kernel."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.fast.mve_conv import KERNELS, mve_requant, padded_rows
from tinyvid.codegen.fast.pointwise import fold_bias
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import _multipliers

TARGETS = ("mve",)
OPCODES = ("FULLY_CONNECTED",)
PRIORITY = 40


def specialise(ctx, call):
    p = dict(call.params)
    if p["w_offset"] != 0:
        return None
    x, w, y = ctx.input(0), ctx.input(1), ctx.output()
    units, depth = w.shape
    scales = ctx.per_channel_scales(w, units, 0) if p["per_channel"] else w.quantization.scales[:1]
    mult, shift = _multipliers(x.quantization.scale, scales, y.quantization.scale)
    rq = mve_requant(ctx, mult, shift, units)
    if rq is None:
        return None
    b = ctx.input(2)
    weights = w.data.reshape(units, depth).astype(np.int8)
    bias = fold_bias(None if b is None else b.data.reshape(-1), weights, p["in_offset"])
    rows, stride = padded_rows(weights)
    P = ctx.prefix
    name = f"{P}_op{ctx.op.index}_mve_fc"
    code = (
        f"static void {name}(const int8_t *in, int8_t *out)\n{{\n"
        f"    {P}_mve_gemm(in, {depth}, {p['batches']}, {depth}, {ctx.op_const('mve_w', rows.reshape(-1))}, {stride}, "
        f"{units}, {ctx.op_const('mve_bias', bias)}, {rq.args()}, {p['out_offset']}, {p['act_min']}, {p['act_max']}, out);\n}}\n"
    )
    return KernelCall(KERNELS, f"{name}(@T{x.index}@, @T{y.index}@);", code=code, variant="mve-fc")
