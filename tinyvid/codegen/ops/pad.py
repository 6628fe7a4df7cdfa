"""PAD and PADV2 on int8 tensors (pad value: PADV2's constant, else the output zero point)."""

from __future__ import annotations

from tinyvid.codegen.ops.base import KernelCall, LoweringContext

OPCODES = ("PAD", "PADV2")
MAX_RANK = 5


def lower(ctx: LoweringContext) -> KernelCall:
    ctx.n_inputs(2, 3)
    x = ctx.activation(ctx.input(0), "input")
    y = ctx.activation(ctx.output(), "output")
    paddings = ctx.constant(ctx.input(1), "paddings")
    rank = len(x.shape)
    ctx.check(paddings.data.shape == (rank, 2), f"paddings of shape {list(paddings.data.shape)} for a rank-{rank} input")
    if rank > MAX_RANK:
        raise ctx.unsupported(f"padding a rank-{rank} tensor (at most {MAX_RANK})")
    pads = [(int(a), int(b)) for a, b in paddings.data.reshape(rank, 2)]
    ctx.check(all(a >= 0 and b >= 0 for a, b in pads), "negative paddings")
    expected = [d + a + b for d, (a, b) in zip(x.shape, pads)]
    ctx.check(list(y.shape) == expected, f"output {list(y.shape)} is not the padded shape {expected}")
    value = y.quantization.zero_point
    c = ctx.input(2)
    if c is not None:
        if c.data is None or c.dtype != "int8" or c.size != 1:
            raise ctx.unsupported("the pad value must be one constant int8")
        value = int(c.data.reshape(-1)[0])
    lead = MAX_RANK - rank
    params = [("out_size", y.size), ("in_dims", [1] * lead + [int(d) for d in x.shape]),
              ("out_dims", [1] * lead + expected), ("before", [0] * lead + [a for a, _ in pads]), ("pad_value", value)]
    return KernelCall(("pad",), f"{ctx.prefix}_pad_s8(@P@, {ctx.ptr(x)}, @T{y.index}@);", f"{ctx.prefix}_pad_params_t", params)
