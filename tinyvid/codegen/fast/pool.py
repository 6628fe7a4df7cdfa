"""AVERAGE_POOL_2D and MEAN over H, W for the ``dsp`` target: window sums four channels at a time.

One unaligned 32-bit load takes four adjacent NHWC channels; SXTAB16 adds channels 0 and
2 into the two 16-bit lanes of one accumulator, and (after a shift by 8) channels 1 and 3
into another. A lane holds the exact sum while the window has at most 256 cells
(|sum| <= 128 * 256 = 32768 fits int16 lanes taken modulo 2^16), so larger windows keep
the portable kernel. The sums are then finished exactly as TFLM does: AVERAGE_POOL_2D
divides by the in-bounds count rounding half away from zero and clamps; MEAN subtracts
count * zero point and applies the output multiplier (TFLM's general form, once per
channel), as the portable kernels whose parameters it reuses.
"""

from __future__ import annotations

from tinyvid.codegen.cformat import int_literal
from tinyvid.codegen.ops.base import KernelCall, LoweringContext

TARGETS = ("dsp",)
OPCODES = ("AVERAGE_POOL_2D", "MEAN")

#: most cells a window may have (int16 lane sums stay exact)
MAX_CELLS = 256


def specialise(ctx: LoweringContext, call):
    p = dict(call.params)
    x, y = ctx.input(0), ctx.output()
    if ctx.op.opcode == "AVERAGE_POOL_2D":
        if p["k_h"] * p["k_w"] > MAX_CELLS or not _windows_nonempty(p):
            return None
        g = dict(b=p["batches"], h=p["in_h"], w=p["in_w"], c=p["channels"], oh=p["out_h"], ow=p["out_w"], kh=p["k_h"],
                 kw=p["k_w"], sh=p["stride_h"], sw=p["stride_w"], ph=p["pad_h"], pw=p["pad_w"])
        finish = _average(p["act_min"], p["act_max"], ctx.prefix)
        variant = "dsp-avgpool"
    else:
        if len(x.shape) != 4 or _axes(ctx) != [1, 2] or x.shape[1] * x.shape[2] > MAX_CELLS:
            return None
        n, h, w, c = (int(d) for d in x.shape)
        g = dict(b=n, h=h, w=w, c=c, oh=1, ow=1, kh=h, kw=w, sh=1, sw=1, ph=0, pw=0)
        finish = _mean(p, ctx.prefix)
        variant = "dsp-mean"
    fn = f"{ctx.prefix}_op{ctx.op.index}_{variant.split('-')[1]}"
    code = _source(g, fn, finish, ctx.prefix, ctx.op.opcode)
    return KernelCall(("arm",), f"{fn}(@T{x.index}@, @T{y.index}@);", code=code, variant=variant)


def _windows_nonempty(p: dict) -> bool:
    """Every window has an in-bounds cell (the portable kernel reports an error otherwise)."""
    def ok(out, stride, pad, k, size):
        return all(min(k, size - (o * stride - pad)) > max(0, pad - o * stride) for o in range(out))
    return ok(p["out_h"], p["stride_h"], p["pad_h"], p["k_h"], p["in_h"]) and ok(p["out_w"], p["stride_w"], p["pad_w"], p["k_w"], p["in_w"])


def _axes(ctx: LoweringContext) -> list[int]:
    rank = len(ctx.input(0).shape)
    return sorted({int(a) % rank for a in ctx.input(1).data.reshape(-1)})


def _average(act_min: int, act_max: int, p: str) -> str:
    return (f"(int8_t){p}_clamp({{S}} > 0 ? ({{S}} + count / 2) / count : ({{S}} - count / 2) / count, {act_min}, {act_max})")


def _mean(params: dict, p: str) -> str:
    count, zp = params["count"], params["in_zp"]
    return (f"(int8_t){p}_clamp({p}_mul_by_quantized_mul({{S}} - {int_literal(count * zp)}, {int_literal(params['mult'])}, "
            f"{params['shift']}) + {int_literal(params['out_zp'])}, -128, 127)")


def _source(g: dict, fn: str, finish: str, p: str, opcode: str) -> str:
    c = g["c"]
    groups = c // 4

    def done(sum_expr: str) -> str:
        return finish.replace("{S}", f"({sum_expr})")

    lines = [
        f"/* {opcode} {g['h']}x{g['w']}x{c} -> {g['oh']}x{g['ow']}x{c}, window {g['kh']}x{g['kw']}, four channels per load */",
        f"static void {fn}(const int8_t *in, int8_t *out)",
        "{",
        "    int32_t b, oy, ox, y, x, c;",
        f"    for (b = 0; b < {g['b']}; ++b) {{",
        f"        for (oy = 0; oy < {g['oh']}; ++oy) {{",
        f"            const int32_t y0 = oy * {g['sh']} - {g['ph']};",
        f"            const int32_t ys = {p}_max_i32(0, -y0), ye = {p}_min_i32({g['kh']}, {g['h']} - y0);",
        f"            for (ox = 0; ox < {g['ow']}; ++ox) {{",
        f"                const int32_t x0 = ox * {g['sw']} - {g['pw']};",
        f"                const int32_t xs = {p}_max_i32(0, -x0), xe = {p}_min_i32({g['kw']}, {g['w']} - x0);",
        "                const int32_t count = (ye - ys) * (xe - xs);",
        f"                const int8_t *base = in + ((b * {g['h']} + y0 + ys) * {g['w']} + x0 + xs) * {c};",
        f"                int8_t *o = out + ((b * {g['oh']} + oy) * {g['ow']} + ox) * {c};",
        "                (void)count;",
    ]
    body = []
    if groups:
        body += [f"for (c = 0; c < {4 * groups}; c += 4) {{",
                 "    uint32_t se = 0, so = 0;",
                 "    for (y = ys; y < ye; ++y) {",
                 f"        const int8_t *r = base + (y - ys) * {g['w'] * c} + c;",
                 f"        for (x = xs; x < xe; ++x, r += {c}) {{",
                 f"            const uint32_t v = {p}_read_u32(r);",
                 f"            se = {p}_sxtab16(se, v);",
                 f"            so = {p}_sxtab16(so, v >> 8);",
                 "        }",
                 "    }",
                 f"    o[c] = {done(f'{p}_lo16(se)')};",
                 f"    o[c + 1] = {done(f'{p}_lo16(so)')};",
                 f"    o[c + 2] = {done(f'{p}_hi16(se)')};",
                 f"    o[c + 3] = {done(f'{p}_hi16(so)')};",
                 "}"]
    if c % 4:
        body += [f"for (c = {4 * groups}; c < {c}; ++c) {{",
                 "    int32_t s = 0;",
                 "    for (y = ys; y < ye; ++y) {",
                 f"        const int8_t *r = base + (y - ys) * {g['w'] * c} + c;",
                 f"        for (x = xs; x < xe; ++x, r += {c}) {{",
                 "            s += *r;",
                 "        }",
                 "    }",
                 f"    o[c] = {done('s')};",
                 "}"]
    lines += ["                " + s for s in body]
    lines += ["            }", "        }", "    }", "}", ""]
    return "\n".join(lines)
