"""DEPTHWISE_CONV_2D: int8, any depth multiplier, per-channel requantization, dilated."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.overlap import window_overlap
from tinyvid.codegen.ops.conv2d import window_operands, window_params

OPCODE = "DEPTHWISE_CONV_2D"


def lower(ctx: LoweringContext) -> KernelCall:
    x, w, y, (n, h, wd, c), (on, oh, ow, oc) = window_operands(ctx)
    ctx.check(len(w.shape) == 4 and w.shape[0] == 1, f"the filter must have shape [1, kh, kw, C], got {list(w.shape)}")
    _, kh, kw, f_oc = w.shape
    ctx.check(min(kh, kw, f_oc) >= 1 and min(n, h, wd, c) >= 1, "empty tensors")
    ctx.check(f_oc == oc and on == n and oc % c == 0, f"filter {list(w.shape)} does not match input {list(x.shape)} and output {list(y.shape)}")
    dm = oc // c
    ctx.check(int(ctx.options("depth_multiplier", dm) or dm) in (dm, 0), "depth multiplier does not match the channels")
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 3, ("depth_mult", dm))
    bias = ctx.ptr(b) if b is not None else "NULL"
    call = (
        f"{ctx.prefix}_depthwise_conv2d_s8(@P@, @T{x.index}@, {ctx.ptr(w)}, {bias}, "
        f"{ctx.op_const('mult', mult)}, {ctx.op_const('shift', shift)}, @T{y.index}@);"
    )
    params_in = params + [("in_c", c), ("out_c", oc)] if not any(k == "in_c" for k, _ in params) else params
    # the kernel computes one output pixel at a time, in row-major order
    return KernelCall(("depthwise_conv2d",), call, f"{ctx.prefix}_depthwise_conv2d_params_t", params,
                      overlap=window_overlap(x.index, params_in))
