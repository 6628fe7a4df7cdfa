"""ADD for the ``dsp`` target (int8, both inputs of the output's shape): two exact tables.

TFLM's int8 ADD computes, per element,

    s = F1(x1) + F2(x2),   Fk(x) = MultiplyByQuantizedMultiplierSmallerThanOneExp((x + offset_k) << 20, m_k, shift_k)

and then requantizes ``s`` with the output multiplier. Each ``Fk`` depends on nothing
but the int8 value ``x`` (offset, left shift, multiplier and shift are constants of the
layer), so a table of its 256 int32 values, computed at generation time with TFLM's
arithmetic, is exact; the sum is the same int32 TFLM adds, and the output goes
through the same requantization (``tv_requant_fast`` when the output multiplier fits
it, TFLM's general form otherwise). Per element: two byte loads, two table loads,
one add, one requantization and a store, instead of three requantizations.
Broadcasting keeps the portable kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.codegen.cformat import int_literal
from tinyvid.codegen.fast.requant import clamp_c, fast_requant, reference_requant
from tinyvid.codegen.ops.add import LEFT_SHIFT, add_sub_params, elementwise_overlap
from tinyvid.codegen.ops.base import KernelCall, LoweringContext

TARGETS = ("dsp",)
OPCODES = ("ADD",)


def input_table(offset: int, mult: int, shift: int) -> np.ndarray:
    """F(x) for x = -128..127: TFLM's rescaled ADD operand, exactly."""
    x = np.arange(-128, 128, dtype=np.int64)
    v = (x + offset) << LEFT_SHIFT
    v = (v + (1 << 31)) % (1 << 32) - (1 << 31)  # TFLM shifts in int32
    return reference_requant(v, mult, shift, 0).astype(np.int32)


def requant_expr(acc: str, mult: int, shift: int, zp: int, act: tuple[int, int], p: str) -> str:
    """C for ``clamp(MultiplyByQuantizedMultiplier(acc, mult, shift) + zp)`` with literal constants."""
    fast = fast_requant(np.array([mult]), np.array([shift]), zp)
    if fast is not None:
        v = f"{p}_requant_fast({acc}, {int(fast.m[0])}, (int64_t){int(fast.k[0])}LL, {int(fast.sh[0])})"
    else:
        v = f"{p}_mul_by_quantized_mul({acc}, {int_literal(mult)}, {shift}) + {int_literal(zp)}"
    return clamp_c(v, act[0], act[1], p)


def _tables(ctx: LoweringContext):
    """(params, a, b, y, table 1, table 2), or None where the tables do not apply (broadcasting)."""
    params, a, b, y = add_sub_params(ctx, float_math=False)
    p = dict(params)
    bc = p["bc"]
    if any(s == 0 and d != 1 for s, d in zip(bc["strides1"] + bc["strides2"], bc["dims"] + bc["dims"])):
        return None  # broadcasting
    if tuple(ctx.input(0).shape) != tuple(ctx.input(1).shape):
        return None
    t1 = ctx.op_const("add1", input_table(p["in1_offset"], p["in1_mult"], p["in1_shift"]))
    t2 = ctx.op_const("add2", input_table(p["in2_offset"], p["in2_mult"], p["in2_shift"]))
    return p, a, b, y, t1, t2


@dataclass(frozen=True)
class Epilogue:
    """An ADD finished by the kernel of the operator that produces one of its operands
    (:mod:`tinyvid.codegen.fuse`): ``<fn>(y, r)`` is the ADD's int8 output for the
    producer's int8 output ``y`` and the residual ``r``, which it overwrites."""

    add_index: int  # the ADD's operator index
    residual: int  # tensor index of the residual, overwritten in place
    fn: str
    code: str  # the definition of fn (static inline)


def epilogue(add_ctx: LoweringContext, operand: int, residual: int) -> Epilogue | None:
    """The ADD of ``add_ctx`` as an epilogue for the producer of its input ``operand``."""
    tables = _tables(add_ctx)
    if tables is None:
        return None
    p, _, _, _, t1, t2 = tables
    pre = add_ctx.prefix
    fn = f"{pre}_op{add_ctx.op.index}_add_epilogue"
    ty, tr = (t1, t2) if operand == 0 else (t2, t1)
    rq = requant_expr("s", p["out_mult"], p["out_shift"], p["out_offset"], (p["act_min"], p["act_max"]), pre)
    code = "\n".join([
        f"/* ADD (operator {add_ctx.op.index}) of a producer's output y and the residual r it overwrites */",
        f"static inline int8_t {fn}(int32_t y, int32_t r)",
        "{",
        f"    const int32_t s = {pre}_add_wrap({ty}[y + 128], {tr}[r + 128]);",
        f"    return (int8_t)({rq});",
        "}",
        "",
    ])
    return Epilogue(add_ctx.op.index, residual, fn, code)


def specialise(ctx: LoweringContext, call):
    tables = _tables(ctx)
    if tables is None:
        return None
    p, a, b, y, t1, t2 = tables
    bc = p["bc"]
    pre = ctx.prefix
    fn = f"{pre}_op{ctx.op.index}_add"
    rq = requant_expr("s", p["out_mult"], p["out_shift"], p["out_offset"], (p["act_min"], p["act_max"]), pre)
    code = "\n".join([
        f"/* ADD of {bc['size']} int8 elements by two 256-entry tables of TFLM's rescaled operands */",
        f"static void {fn}(const int8_t *a, const int8_t *b, int8_t *out)",
        "{",
        f"    const int32_t *t1 = {t1} + 128;",
        f"    const int32_t *t2 = {t2} + 128;",
        "    int32_t i, s;",
        *_loop(bc["size"], [f"s = {pre}_add_wrap(t1[*a++], t2[*b++]);", f"*out++ = {rq};"]),
        "}",
        "",
    ])
    # element i of each input is read once, before element i of the output is written
    return KernelCall(("arm",), f"{fn}({a}, {b}, @T{y}@);", code=code, variant="dsp-add-tables",
                      overlap=elementwise_overlap(ctx))


def _loop(n: int, body: list[str], unroll: int = 4) -> list[str]:
    """``body`` n times: unrolled by ``unroll`` in a loop, the remainder after it."""
    out = []
    if n // unroll:
        out += [f"    for (i = 0; i < {n // unroll}; ++i) {{"] + ["        " + s for _ in range(unroll) for s in body] + ["    }"]
    out += ["    " + s for _ in range(n % unroll) for s in body]
    if not n // unroll:
        out.append("    (void)i;")
    return out
