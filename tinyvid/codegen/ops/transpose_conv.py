"""TRANSPOSE_CONV: int8 NHWC transposed convolution, OHWI int8 filter (per-channel
scales), optional int32 bias; TFLM's padding (computed on the output size) and
per-channel requantization."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext, shape_nhwc
from tinyvid.codegen.ops.conv2d import _multipliers
from tinyvid.codegen.ops.movement import int_values

OPCODE = "TRANSPOSE_CONV"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(3, 4)  # output shape, filter, input, bias
    w = ctx.weights(ctx.input(1))
    x = ctx.activation(ctx.input(2), "input")
    y = ctx.activation(ctx.output(), "output")
    n, h, wd, c = shape_nhwc(ctx, x, "input")
    on, oh, ow, oc = shape_nhwc(ctx, y, "output")
    ctx.check(int_values(ctx, ctx.input(0), "output shape") == [on, oh, ow, oc],
              f"the output shape tensor differs from the output {list(y.shape)}")
    ctx.check(len(w.shape) == 4, f"the filter must have rank 4, got {list(w.shape)}")
    f_oc, kh, kw, kc = (int(d) for d in w.shape)
    ctx.check(f_oc == oc and kc == c and on == n, f"filter {list(w.shape)} does not match input {list(x.shape)} and output {list(y.shape)}")
    ctx.check(min(n, h, wd, c, kh, kw, oh, ow, oc) >= 1, "empty tensors")
    b = ctx.bias(ctx.input(3), oc)
    pad = ctx.padding()
    sh, sw = ctx.positive("stride_h"), ctx.positive("stride_w")
    # TFLM pads as a convolution whose input is this operator's output
    pad_h = quant.padding_offset(pad, oh, kh, sh, 1, quant.out_size(pad, oh, kh, sh))
    pad_w = quant.padding_offset(pad, ow, kw, sw, 1, quant.out_size(pad, ow, kw, sw))
    mult, shift = _multipliers(x.quantization.scale, ctx.per_channel_scales(w, oc, 0), y.quantization.scale)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [("batches", n), ("in_h", h), ("in_w", wd), ("in_c", c), ("out_h", oh), ("out_w", ow), ("out_c", oc),
              ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw), ("pad_h", pad_h), ("pad_w", pad_w),
              ("in_offset", -x.quantization.zero_point), ("out_offset", y.quantization.zero_point),
              ("act_min", act_min), ("act_max", act_max)]
    bias = ctx.ptr(b) if b is not None else "NULL"
    call = (f"{ctx.prefix}_transpose_conv_s8(@P@, {ctx.ptr(x)}, {ctx.ptr(w)}, {bias}, {ctx.op_const('mult', mult)}, "
            f"{ctx.op_const('shift', shift)}, @T{y.index}@);")
    return KernelCall(("transpose_conv",), call, f"{ctx.prefix}_transpose_conv_params_t", params)

