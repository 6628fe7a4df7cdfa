"""DEPTHWISE_CONV_2D on the ``mve`` target (Cortex-M55 Helium), depth multiplier 1.

Four channels per vector: each tap is one widening load of the inputs, one of the
weights (grouped by 4 channels at generation time, so one group's taps are 4 bytes
apart) and a multiply-add into int32 lanes; the input offset
is folded into the bias, taps outside the image multiply the raw input zero point,
and the 4 channels are requantized as one vector (``kernels/tv_mve_conv.h``). Other
depth multipliers keep the dsp or portable kernel.
"""

from __future__ import annotations

import numpy as np

from tinyvid.codegen.fast.mve_conv import KERNELS, mve_requant
from tinyvid.codegen.fast.pointwise import fold_bias
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import window_operands, window_params

TARGETS = ("mve",)
OPCODES = ("DEPTHWISE_CONV_2D",)
PRIORITY = 40


def specialise(ctx, call):
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    _, kh, kw, _ = w.shape
    if oc != c:
        return None  # depth multiplier > 1
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 3, ("depth_mult", 1))
    p = dict(params)
    taps = w.data.reshape(kh * kw, c).astype(np.int8)
    bias = fold_bias(None if b is None else b.data.reshape(-1), taps.T, p["in_offset"])
    c4 = -(-c // 4) * 4
    grouped = np.zeros((kh * kw, c4), np.int8)
    grouped[:, :c] = taps
    grouped = grouped.reshape(kh * kw, c4 // 4, 4).transpose(1, 0, 2)  # [group][tap][4]
    rq = mve_requant(ctx, _pad(mult, c4), _pad(shift, c4), c4)
    if rq is None:
        return None
    P = ctx.prefix
    name = f"{P}_op{ctx.op.index}_mve_depthwise"
    code = (
        f"static void {name}(const int8_t *in, int8_t *out)\n{{\n"
        f"    {P}_mve_depthwise(in, out, {n}, {h}, {wd}, {c}, {oh}, {ow}, {kh}, {kw}, {p['stride_h']}, {p['stride_w']}, "
        f"{p['dil_h']}, {p['dil_w']}, {p['pad_h']}, {p['pad_w']}, {-p['in_offset']}, "
        f"{ctx.op_const('mve_w', grouped.reshape(-1))}, {ctx.op_const('mve_bias', _pad(bias, c4))}, {rq.args()}, "
        f"{p['out_offset']}, {p['act_min']}, {p['act_max']});\n}}\n"
    )
    return KernelCall(KERNELS, f"{name}(@T{x.index}@, @T{y.index}@);", code=code, variant="mve-depthwise")


def _pad(values, n: int) -> np.ndarray:
    """Per-channel values (or one per-tensor value, repeated) zero-padded to n channels."""
    v = np.asarray(values, np.int32).reshape(-1)
    out = np.zeros(n, np.int32)
    out[: v.size] = v
    if v.size == 1:
        out[:] = v[0]
    return out
