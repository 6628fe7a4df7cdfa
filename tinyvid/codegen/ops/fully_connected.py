"""FULLY_CONNECTED: int8 weights [units, depth], per-tensor or per-channel requantization."""

from __future__ import annotations

from tinyvid.codegen import quant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.conv2d import _multipliers

OPCODE = "FULLY_CONNECTED"


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2, 3)
    x = ctx.activation(ctx.input(0), "input")
    w = ctx.weights(ctx.input(1), "weights")
    y = ctx.activation(ctx.output(), "output")
    ctx.check(len(w.shape) == 2 and min(w.shape) >= 1, f"the weights must have shape [units, depth], got {list(w.shape)}")
    if ctx.options("weights_format", 0) not in (0, "DEFAULT"):
        raise ctx.unsupported("shuffled weights formats are not supported")
    units, depth = w.shape
    ctx.check(x.size % depth == 0 and x.size > 0, f"input of {x.size} values is not a multiple of depth {depth}")
    batches = x.size // depth
    ctx.check(y.size == batches * units, f"output {list(y.shape)} does not hold {batches} x {units} values")
    b = ctx.bias(ctx.input(2), units)
    per_channel = len(w.quantization.scales) > 1
    scales = ctx.per_channel_scales(w, units, 0) if per_channel else w.quantization.scales[:1]
    mult, shift = _multipliers(x.quantization.scale, scales, y.quantization.scale)
    act_min, act_max = quant.activation_range(ctx.activation_function(), y.quantization.scale, y.quantization.zero_point)
    w_zp = int(w.quantization.zero_points[0])
    ctx.check(-128 <= w_zp <= 127, "weights zero point outside int8")
    params = [
        ("batches", batches), ("depth", depth), ("units", units),
        ("in_offset", -x.quantization.zero_point), ("w_offset", -w_zp), ("out_offset", y.quantization.zero_point),
        ("act_min", act_min), ("act_max", act_max), ("per_channel", int(per_channel)),
    ]
    bias = ctx.ptr(b) if b is not None else "NULL"
    call = (
        f"{ctx.prefix}_fully_connected_s8(@P@, @T{x.index}@, {ctx.ptr(w)}, {bias}, "
        f"{ctx.op_const('mult', mult)}, {ctx.op_const('shift', shift)}, @T{y.index}@);"
    )
    return KernelCall(("fully_connected",), call, f"{ctx.prefix}_fully_connected_params_t", params)
