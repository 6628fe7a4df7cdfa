"""DEPTHWISE_CONV_2D: int8, any depth multiplier, per-channel requantization, dilated."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext, shape_nhwc
from tinyvid.codegen.ops.conv2d import _multipliers

OPCODE = "DEPTHWISE_CONV_2D"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2, 3)
    x = ctx.activation(ctx.input(0), "input")
    w = ctx.weights(ctx.input(1))
    y = ctx.activation(ctx.output(), "output")
    n, h, wd, c = shape_nhwc(ctx, x, "input")
    on, oh, ow, oc = shape_nhwc(ctx, y, "output")
    ctx.check(len(w.shape) == 4 and w.shape[0] == 1, f"the filter must have shape [1, kh, kw, C], got {list(w.shape)}")
    _, kh, kw, f_oc = w.shape
    ctx.check(min(kh, kw, f_oc) >= 1 and min(n, h, wd, c) >= 1, "empty tensors")
    ctx.check(f_oc == oc and on == n and oc % c == 0, f"filter {list(w.shape)} does not match input {list(x.shape)} and output {list(y.shape)}")
    dm = oc // c
    ctx.check(int(ctx.options("depth_multiplier", dm) or dm) in (dm, 0), "depth multiplier does not match the channels")
    b = ctx.bias(ctx.input(2), oc)
    pad = ctx.padding()
    sh, sw = ctx.positive("stride_h"), ctx.positive("stride_w")
    dh, dw = ctx.positive("dilation_h_factor"), ctx.positive("dilation_w_factor")
    eh, ew = quant.out_size(pad, h, kh, sh, dh), quant.out_size(pad, wd, kw, sw, dw)
    ctx.check((eh, ew) == (oh, ow), f"output is {oh}x{ow} but {pad} padding gives {eh}x{ew}")
    scales = ctx.per_channel_scales(w, oc, 3)
    mult, shift = _multipliers(x.quantization.scale, scales, y.quantization.scale)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [
        ("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c),
        ("out_h", oh), ("out_w", ow), ("out_c", oc),
        ("k_h", kh), ("k_w", kw), ("depth_mult", dm),
        ("stride_h", sh), ("stride_w", sw), ("dil_h", dh), ("dil_w", dw),
        ("pad_h", quant.padding_offset(pad, h, kh, sh, dh, oh)), ("pad_w", quant.padding_offset(pad, wd, kw, sw, dw, ow)),
        ("in_offset", -x.quantization.zero_point), ("out_offset", y.quantization.zero_point),
        ("act_min", act_min), ("act_max", act_max),
    ]
    bias = ctx.ptr(b) if b is not None else "NULL"
    call = (
        f"{ctx.prefix}_depthwise_conv2d_s8(@P@, @T{x.index}@, {ctx.ptr(w)}, {bias}, "
        f"{ctx.op_const('mult', mult)}, {ctx.op_const('shift', shift)}, @T{y.index}@);"
    )
    return KernelCall(("depthwise_conv2d",), call, f"{ctx.prefix}_depthwise_conv2d_params_t", params)
