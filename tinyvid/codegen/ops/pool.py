"""Shared lowering of AVERAGE_POOL_2D and MAX_POOL_2D (int8, no requantization, as TFLM)."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import LoweringContext, shape_nhwc


def pool_params(ctx: LoweringContext) -> tuple[list, int, int]:
    ctx.n_inputs(1)
    x = ctx.activation(ctx.input(0), "input")
    y = ctx.activation(ctx.output(), "output")
    n, h, w, c = shape_nhwc(ctx, x, "input")
    on, oh, ow, oc = shape_nhwc(ctx, y, "output")
    ctx.check(on == n and oc == c and min(n, h, w, c) >= 1, f"output {list(y.shape)} does not match input {list(x.shape)}")
    kh, kw = ctx.positive("filter_height"), ctx.positive("filter_width")
    sh, sw = ctx.positive("stride_h"), ctx.positive("stride_w")
    pad = ctx.padding()
    eh, ew = quant.out_size(pad, h, kh, sh), quant.out_size(pad, w, kw, sw)
    ctx.check((eh, ew) == (oh, ow) and oh >= 1 and ow >= 1, f"output is {oh}x{ow} but {pad} padding gives {eh}x{ew}")
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    params = [
        ("batches", n), ("in_h", h), ("in_w", w), ("channels", c), ("out_h", oh), ("out_w", ow),
        ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw),
        ("pad_h", quant.padding_offset(pad, h, kh, sh, 1, oh)), ("pad_w", quant.padding_offset(pad, w, kw, sw, 1, ow)),
        ("act_min", act_min), ("act_max", act_max),
    ]
    return params, x.index, y.index
