"""CONV_2D: int8 NHWC convolution, per-channel requantization, grouped and dilated."""

from __future__ import annotations

import numpy as np

from tinyvid.codegen import quant
from tinyvid.codegen.fold import EXPLICIT_PADDING
from tinyvid.codegen.overlap import window_overlap
from tinyvid.codegen.ops.base import KernelCall, LoweringContext, shape_nhwc

OPCODE = "CONV_2D"



def window_params(ctx: LoweringContext, x, y, w, in_shape, out_shape, kernel, channel_axis, filter_param):
    """What CONV_2D and DEPTHWISE_CONV_2D share: bias, strides, dilations, padding,
    per-channel requantization and the fused activation, checked against the output
    size. Returns (bias, multipliers, shifts, kernel parameters); ``filter_param`` is
    the one parameter the two kernels differ in (``k_c`` or ``depth_mult``)."""
    n, h, wd, c = in_shape
    oh, ow, oc = out_shape
    kh, kw = kernel
    b = ctx.bias(ctx.input(2), oc)
    pad = ctx.padding()
    sh, sw = ctx.positive("stride_h"), ctx.positive("stride_w")
    dh, dw = ctx.positive("dilation_h_factor"), ctx.positive("dilation_w_factor")
    explicit = ctx.op.options.get(EXPLICIT_PADDING)  # a PAD folded into this VALID window (codegen.fold)
    if explicit is not None:
        top, bottom, left, right = explicit
        eh, ew = quant.out_size(pad, h + top + bottom, kh, sh, dh), quant.out_size(pad, wd + left + right, kw, sw, dw)
        pad_h, pad_w = top, left
    else:
        eh, ew = quant.out_size(pad, h, kh, sh, dh), quant.out_size(pad, wd, kw, sw, dw)
        pad_h, pad_w = quant.padding_offset(pad, h, kh, sh, dh, oh), quant.padding_offset(pad, wd, kw, sw, dw, ow)
    ctx.check((eh, ew) == (oh, ow), f"output is {oh}x{ow} but {pad} padding gives {eh}x{ew}")
    scales = ctx.per_channel_scales(w, oc, channel_axis)
    mult, shift = _multipliers(x.quantization.scale, scales, y.quantization.scale)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [
        ("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c),
        ("out_h", oh), ("out_w", ow), ("out_c", oc),
        ("k_h", kh), ("k_w", kw), filter_param,
        ("stride_h", sh), ("stride_w", sw), ("dil_h", dh), ("dil_w", dw),
        ("pad_h", pad_h), ("pad_w", pad_w),
        ("in_offset", -x.quantization.zero_point), ("out_offset", y.quantization.zero_point),
        ("act_min", act_min), ("act_max", act_max),
    ]
    return b, mult, shift, params

def window_operands(ctx: LoweringContext):
    """Input, filter and output of a convolution, with the NHWC shapes of input and output."""
    ctx.n_inputs(2, 3)
    x = ctx.activation(ctx.input(0), "input")
    w = ctx.weights(ctx.input(1))
    y = ctx.activation(ctx.output(), "output")
    return x, w, y, shape_nhwc(ctx, x, "input"), shape_nhwc(ctx, y, "output")


def lower(ctx: LoweringContext) -> KernelCall:
    x, w, y, (n, h, wd, c), (on, oh, ow, oc) = window_operands(ctx)
    ctx.check(len(w.shape) == 4, f"the filter must have rank 4, got {list(w.shape)}")
    f_oc, kh, kw, kc = w.shape
    ctx.check(min(f_oc, kh, kw, kc) >= 1 and min(n, h, wd, c) >= 1, "empty tensors")
    ctx.check(f_oc == oc and on == n, f"filter {list(w.shape)} does not match output {list(y.shape)}")
    ctx.check(c % kc == 0 and oc % (c // kc) == 0, f"filter input channels {kc} do not divide input channels {c}")
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 0, ("k_c", kc))
    bias = ctx.ptr(b) if b is not None else "NULL"
    wsum = w.data.astype(np.int32).reshape(oc, -1).sum(axis=1).astype(np.int32)
    call = (
        f"{ctx.prefix}_conv2d_s8(@P@, @T{x.index}@, {ctx.ptr(w)}, {bias}, {ctx.op_const('wsum', wsum)}, "
        f"{ctx.op_const('mult', mult)}, {ctx.op_const('shift', shift)}, @T{y.index}@);"
    )
    # the kernel computes one output pixel at a time, in row-major order
    return KernelCall(("conv2d",), call, f"{ctx.prefix}_conv2d_params_t", params, overlap=window_overlap(x.index, params))


def _multipliers(in_scale: float, filter_scales: np.ndarray, out_scale: float) -> tuple[np.ndarray, np.ndarray]:
    pairs = [quant.quantize_multiplier(quant.conv_multiplier(in_scale, s, out_scale)) for s in filter_scales]
    return np.array([m for m, _ in pairs], np.int32), np.array([s for _, s in pairs], np.int32)
