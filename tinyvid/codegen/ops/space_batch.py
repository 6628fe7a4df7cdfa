"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND of int8 NHWC tensors (constant block shape,
paddings and crops): the pair the converter puts around a dilated convolution."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext, shape_nhwc
from tinyvid.errors import UnsupportedModelError
from tinyvid.codegen.ops.movement import int8_tensor, int_values

OPCODES = ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND")


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(3)
    x = int8_tensor(ctx, ctx.input(0), "input")
    y = int8_tensor(ctx, ctx.output(), "output")
    if len(x.shape) != 4:
        raise ctx.unsupported(f"a rank-{len(x.shape)} input (only NHWC images)")
    b, h, w, c = shape_nhwc(ctx, x, "input")
    ob, oh, ow, oc = shape_nhwc(ctx, y, "output")
    block = int_values(ctx, ctx.input(1), "block shape")
    edges = int_values(ctx, ctx.input(2), "paddings" if ctx.op.opcode == "SPACE_TO_BATCH_ND" else "crops")
    ctx.check(len(block) == 2 and len(edges) == 4, "block shape must have 2 values and paddings (crops) 2x2")
    bh, bw = block
    ctx.check(bh >= 1 and bw >= 1 and min(edges) >= 0, f"invalid block shape {block} or edges {edges}")
    top, bottom, left, right = edges
    if ctx.op.opcode == "SPACE_TO_BATCH_ND":
        ctx.check((h + top + bottom) % bh == 0 and (w + left + right) % bw == 0, "padded size not a multiple of the block")
        expected = [b * bh * bw, (h + top + bottom) // bh, (w + left + right) // bw, c]
        kind = "space_to_batch"
    else:
        ctx.check(b % (bh * bw) == 0, f"batch {b} is not a multiple of the block {bh}x{bw}")
        expected = [b // (bh * bw), h * bh - top - bottom, w * bw - left - right, c]
        kind = "batch_to_space"
    if [ob, oh, ow, oc] != expected and [oh, ow, oc] == expected[1:]:
        raise UnsupportedModelError(
            f"{ctx.where()}: its output is stored as {list(y.shape)} but holds {expected[0]} images: the model was "
            "converted with a free batch size, so its dilated convolution became SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND "
            "with batch-1 shapes that tflite-micro does not compute as the model means",
            "convert the model with a fixed batch size of 1 (`tinyvid compress MODEL --data SOURCE` does), which gives "
            "one dilated CONV_2D")
    ctx.check([ob, oh, ow, oc] == expected, f"output {list(y.shape)} is not {expected}")
    params = [("in_b", b), ("in_h", h), ("in_w", w), ("depth", c), ("out_b", ob), ("out_h", oh), ("out_w", ow),
              ("block_h", bh), ("block_w", bw), ("top", top), ("left", left),
              ("pad_value", 0)]  # TFLM pads with 0, not the output zero point (checked against tflite-micro)
    call = f"{ctx.prefix}_{kind}_s8(@P@, {ctx.ptr(x)}, @T{y.index}@);"
    return KernelCall(("space_batch",), call, f"{ctx.prefix}_space_batch_params_t", params)
