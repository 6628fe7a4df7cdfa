"""CONV_2D 3x3, stride 1, on the DSP target: Winograd F(2x2, 3x3) in exact integers.

A tile of 2x2 output pixels is computed from its 4x4 input window ``d`` as
``A^T [(2G) g (2G)^T (.) B^T d B] A``, which is exactly 4 times the direct
convolution (``G`` scaled by 2 has integer entries):

* ``U = (2G) g (2G)^T`` per output and input channel, at generation time: 16 values
  per filter instead of 9, within +-1143 for int8 weights (int16), stored widened in
  the lane order ``SXTB16`` gives (as :mod:`.conv` does).
* ``V = B^T d B`` per input channel, at run time with ``SADD16`` / ``SSUB16`` on two
  channels at a time (``B`` has entries 0 and +-1): within +-510 for int8 inputs.
* For each of the 16 positions a dot product over the input channels,
  ``M = sum_c U[c] V[c]``: 2 output channels x 2 tiles per block, per 4 input channels
  4 ``LDRD`` and 8 ``SMLAD`` (inline assembly: GCC spills from C), 16 multiplies per
  tile and channel pair instead of the direct form's 36 (2.25x fewer).
* ``Y = A^T M A`` (adds only) is 4x the window sums of raw int8 values; ``Y >> 2``
  is exact and the bias (with the input offset folded in, as :mod:`.conv`) is added
  after it. Intermediate sums wrap modulo 2^32 (unsigned in C); the result is exact
  because the true value fits int32.
* A tile whose window crosses the input border is staged with the raw input zero
  point outside (it contributes ``(zp - zp) * w = 0``); a tile with outputs past the
  output's edge (odd sizes) is written into a small buffer first.

Requantization is the 1x1 kernels' (:mod:`.pointwise`), one asm block per 4 outputs.
Tiles are processed in pairs, in row-major tile order; both windows are transformed
before either tile's outputs are written (:func:`~tinyvid.codegen.overlap.step_order_delta`
gives the planner the safe overlap). Only ``--optimize speed``: the 16-value filters
take about 3.6x the int8 weights' flash (``size`` keeps :mod:`.conv`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinyvid.codegen.fast.conv import packed_weights
from tinyvid.codegen.fast.pointwise import Gemm, _records, _requant_lines, fold_bias
from tinyvid.codegen.overlap import step_order_delta
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import window_operands, window_params

TARGETS = ("dsp",)
OPCODES = ("CONV_2D",)
PRIORITY = 150  # after pointwise (1x1), before the direct convolution

#: largest input channel count: the transformed windows of a tile pair are 64 bytes per channel on the stack
MAX_CHANNELS = 64

G2 = np.array([[2, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 2]], np.int64)  # 2G: integer filter transform


def filter_transform(filt: np.ndarray) -> np.ndarray:
    """[oc, 3, 3, ic] int8 -> [oc, 16, ic] int64: (2G) g (2G)^T per channel pair, positions row-major."""
    u = np.einsum("rk,okli,sl->orsi", G2, filt.astype(np.int64), G2)
    return u.reshape(filt.shape[0], 16, filt.shape[3])


def worthwhile(c: int, oc: int) -> bool:
    """Whether Winograd beats the direct kernel (instruction estimates per 8 output pixels
    and channel pair, measured on qemu-mps2-an386: the input transform is about 40
    instructions per input channel and tile, shared by all channel pairs)."""
    pairs = -(-oc // 2)
    direct = 4 * (27 * c + 40) + 8 * 9 * c / pairs
    wino = 16 * (3 * c + 2) + 300 + 2 * 40 * c / pairs
    return wino < direct


def specialise(ctx, call):
    if ctx.codegen_options.get("optimize", "speed") == "size":
        return None
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    if len(w.shape) != 4 or tuple(int(d) for d in w.shape[1:]) != (3, 3, c):
        return None
    if c % 4 or c > MAX_CHANNELS or not worthwhile(c, oc):
        return None
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (3, 3), 0, ("k_c", c))
    p = dict(params)
    if (p["stride_h"], p["stride_w"], p["dil_h"], p["dil_w"]) != (1, 1, 1, 1):
        return None
    filt = w.data.reshape(oc, 3, 3, c).astype(np.int8)
    gemm = Gemm(
        name=f"{ctx.prefix}_op{ctx.op.index}_wino",
        weights=filt.reshape(oc, -1),
        bias=fold_bias(None if b is None else b.data.reshape(-1), filt.reshape(oc, -1), p["in_offset"]),
        mult=mult, shift=shift, out_zero_point=p["out_offset"], act_min=p["act_min"], act_max=p["act_max"],
        pixels=oh * ow,
    )
    gen = _Generator(ctx, gemm, filt, p)
    if ctx.epilogue is not None:  # an ADD finished here, over its residual (tinyvid.codegen.fuse)
        e = ctx.epilogue
        return KernelCall(("arm", "conv_dsp"), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=e.code + "\n" + gen.code(),
                          variant="dsp-winograd+add", alias=(y.index, e.residual), fused_op=e.add_index)
    overlap = (x.index, gen.delta()) if p["batches"] == 1 else None
    return KernelCall(("arm", "conv_dsp"), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=gen.code(),
                      variant="dsp-winograd", overlap=overlap)


class _Generator:
    def __init__(self, ctx, g: Gemm, filt: np.ndarray, p: dict):
        self.ctx, self.g, self.filt, self.p = ctx, g, filt, p
        self.P = ctx.prefix
        self.c = p["in_c"]
        self.oc = g.channels
        self.groups = self.c // 4
        self.tiles_h = -(-p["out_h"] // 2)
        self.tiles_w = -(-p["out_w"] // 2)

    # --- tiles ----------------------------------------------------------------------
    def _order(self) -> list[tuple[tuple[int, int], ...]]:
        """The tile pairs in execution order ((ty, tx) of one or two tiles)."""
        tiles = [(ty, tx) for ty in range(self.tiles_h) for tx in range(self.tiles_w)]
        return [tuple(tiles[i:i + 2]) for i in range(0, len(tiles), 2)]

    def delta(self) -> int:
        """The planner's overlap: per tile pair, the end of its outputs and its first input byte."""
        p, c, oc = self.p, self.c, self.oc
        steps = []
        for pair in self._order():
            write_end, read_start = 0, None
            for ty, tx in pair:
                last_y, last_x = min(2 * ty + 1, p["out_h"] - 1), min(2 * tx + 1, p["out_w"] - 1)
                write_end = max(write_end, (last_y * p["out_w"] + last_x + 1) * oc)
                first = (max(0, 2 * ty - p["pad_h"]) * p["in_w"] + max(0, 2 * tx - p["pad_w"])) * c
                read_start = first if read_start is None else min(read_start, first)
            steps.append((write_end, read_start))
        return step_order_delta(steps)

    # --- the input transform -------------------------------------------------------------
    def _input_transform(self, name: str) -> list[str]:
        """``<name>_vin(src, rs, dst)``: V = B^T d B of one tile's 4x4 window (rows ``rs`` bytes
        apart, pixels ``in_c``) for every group of 4 channels: dst[(16 g' ... )] in the
        layout of the multiply block, words (position * groups + g) * 4 + {0, 1}."""
        P, c, s = self.P, self.c, 4 * self.groups  # s: words between positions
        lines = [
            f"static void {name}_vin(const int8_t *src, int32_t rs, uint32_t *dst)",
            "{",
            "    int32_t g;",
            f"    for (g = 0; g < {self.groups}; ++g, src += 4, dst += 4) {{",
            "        const int8_t *r0 = src, *r1 = src + rs, *r2 = r1 + rs, *r3 = r2 + rs;",
        ]
        # pass 1, per column: t = B^T d (rows combined), stored in place of V
        for col in range(4):
            lines += [
                "        {",
                *(f"            const uint32_t v{r} = {P}_read_u32(r{r} + {col * c});" for r in range(4)),
                *(f"            const uint32_t e{r} = {P}_sxtb16(v{r}), o{r} = {P}_sxtb16_ror8(v{r});" for r in range(4)),
            ]
            for r, (op, a, bb) in enumerate((("ssub16", 0, 2), ("sadd16", 1, 2), ("ssub16", 2, 1), ("ssub16", 1, 3))):
                at = (4 * r + col) * s
                lines.append(f"            dst[{at}] = {P}_{op}(e{a}, e{bb}); dst[{at + 1}] = {P}_{op}(o{a}, o{bb});")
            lines.append("        }")
        # pass 2, per row: V = t B (columns combined)
        for r in range(4):
            at = [(4 * r + col) * s for col in range(4)]
            lines += [
                "        {",
                *(f"            const uint32_t e{k} = dst[{at[k]}], o{k} = dst[{at[k] + 1}];" for k in range(4)),
            ]
            for col, (op, a, bb) in enumerate((("ssub16", 0, 2), ("sadd16", 1, 2), ("ssub16", 2, 1), ("ssub16", 1, 3))):
                lines.append(f"            dst[{at[col]}] = {P}_{op}(e{a}, e{bb}); dst[{at[col] + 1}] = {P}_{op}(o{a}, o{bb});")
            lines.append("        }")
        return lines + ["    }", "}", ""]

    # --- the multiply blocks -------------------------------------------------------------
    def _asm_gemm(self) -> list[str]:
        """M for 2 channels x 2 tiles at all 16 positions: per position SMUAD starts the
        accumulators, two STRD store them into mb[4 * position + {c0 t0, c0 t1, c1 t0, c1 t1}]."""
        def group(first: bool) -> list[str]:
            def mac(acc, w, x):
                return f"smuad %[{acc}], %[{w}], %[{x}]" if first and w == "wa" else f"smlad %[{acc}], %[{w}], %[{x}], %[{acc}]"
            return [
                # both tiles' words with one LDM (xa, xb, ya, yb in r8-r11, ascending as LDM needs)
                "ldm %[x]!, {%[xa], %[xb], %[ya], %[yb]}", "ldrd %[wa], %[wb], [%[w]], #8",
                mac("a00", "wa", "xa"), mac("a00", "wb", "xb"),
                mac("a01", "wa", "ya"), mac("a01", "wb", "yb"),
                "ldrd %[wa], %[wb], [%[w]], #8",
                mac("a10", "wa", "xa"), mac("a10", "wb", "xb"),
                mac("a11", "wa", "ya"), mac("a11", "wb", "yb"),
            ]
        # 4 positions per iteration, written out (GCC sizes an asm statement by its lines and
        # would place literal pools out of reach past a .rept); mb is 256-byte aligned, so the
        # loop ends when the store pointer's low byte comes back to 0
        position = [*group(True), *group(False) * (self.groups - 1),
                    "strd %[a00], %[a01], [%[m]], #8", "strd %[a10], %[a11], [%[m]], #8"]
        body = ["1:", *position * 4, "tst %[m], #255", "bne 1b"]
        text = [f'                "{line}\\n\\t"' for line in body]
        return [
            "            {",
            '                register uint32_t xa __asm__("r8"), xb __asm__("r9"), ya __asm__("r10"), yb __asm__("r11");',
            "                uint32_t wa, wb;",
            "                int32_t a00, a01, a10, a11;",
            "                const uint32_t *xp = vbuf;",
            "                int32_t *mp = mb;",
            "                __asm__ volatile(",
            *text,
            "                    : [a00] \"=&r\"(a00), [a01] \"=&r\"(a01), [a10] \"=&r\"(a10), [a11] \"=&r\"(a11), "
            "[x] \"+r\"(xp), [w] \"+r\"(wp), [m] \"+r\"(mp), [xa] \"=&r\"(xa), [xb] \"=&r\"(xb), [ya] \"=&r\"(ya), "
            "[yb] \"=&r\"(yb), [wa] \"=&r\"(wa), [wb] \"=&r\"(wb)",
            "                    :",
            "                    : \"cc\", \"memory\");",
            "            }",
        ]

    def _c_gemm(self) -> list[str]:
        P = self.P
        return [
            "            {",
            "                const uint32_t *xp = vbuf;",
            "                int32_t pos, g;",
            "                for (pos = 0; pos < 16; ++pos) {",
            "                    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;",
            f"                    for (g = 0; g < {self.groups}; ++g, xp += 4, wp += 4) {{",
            "                        const uint32_t w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];",
            f"                        a00 = {P}_smlad(w0, xp[0], a00); a00 = {P}_smlad(w1, xp[1], a00);",
            f"                        a01 = {P}_smlad(w0, xp[2], a01); a01 = {P}_smlad(w1, xp[3], a01);",
            f"                        a10 = {P}_smlad(w2, xp[0], a10); a10 = {P}_smlad(w3, xp[1], a10);",
            f"                        a11 = {P}_smlad(w2, xp[2], a11); a11 = {P}_smlad(w3, xp[3], a11);",
            "                    }",
            "                    mb[4 * pos] = a00; mb[4 * pos + 1] = a01; mb[4 * pos + 2] = a10; mb[4 * pos + 3] = a11;",
            "                }",
            "            }",
        ]

    # --- output transform and requantization ---------------------------------------------
    def _output_transform(self, name: str) -> list[str]:
        """``<name>_otr(m, bias, y)``: y[0..3] = bias + (A^T M A) / 4 for outputs (0,0), (0,1),
        (1,0), (1,1) of one channel and tile (its M at m[0], m[4], ..., m[60])."""
        lines = [
            f"static inline void {name}_otr(const int32_t *m, int32_t bias, int32_t *y)",
            "{",
        ]
        for r in range(4):
            ms = [f"(uint32_t)m[{4 * (4 * r + s)}]" for s in range(4)]
            lines.append(f"    const uint32_t p{r} = {ms[0]} + {ms[1]} + {ms[2]}, q{r} = {ms[1]} - {ms[2]} - {ms[3]};")
        lines += [
            "    y[0] = bias + ((int32_t)(p0 + p1 + p2) >> 2);",
            "    y[1] = bias + ((int32_t)(q0 + q1 + q2) >> 2);",
            "    y[2] = bias + ((int32_t)(p1 - p2 - p3) >> 2);",
            "    y[3] = bias + ((int32_t)(q1 - q2 - q3) >> 2);",
            "}",
            "",
        ]
        return lines

    def _requant(self, is_fast: bool, zp_after: int, rec: str) -> tuple[list[str], list[str]]:
        """(definitions, statements): the statements requantize y0..y3 of one channel (record ``rec``)."""
        P, g, name, U = self.P, self.g, self.g.name, self.P.upper()
        ys = ("y0", "y1", "y2", "y3")
        clamp = []
        for v in ys:
            if g.act_min > -128:
                clamp.append(f"{v} = {v} < {g.act_min} ? {g.act_min} : {v};")
            if g.act_max < 127:
                clamp.append(f"{v} = {v} > {g.act_max} ? {g.act_max} : {v};")
        if not is_fast:
            defs = [f"static inline int32_t {name}_out(int32_t acc, const int32_t *q)", "{",
                    *_requant_lines(P, g, False, 0)[:-1], "    return v;", "}", ""]
            return defs, [f"{v} = {name}_out({v}, {rec});" for v in ys]
        plus = f" + {zp_after}" if zp_after else ""
        # an activation clamping at or above the zero point makes the negative-accumulator term
        # of the rounding irrelevant (tv_requant_fast_clamped_words): 4 instead of 6 per output
        clamped = g.act_min >= g.out_zero_point
        rq = "requant_fast_clamped_words" if clamped else "requant_fast_words"
        defs = [f"static inline int32_t {name}_rq(int32_t acc, const int32_t *q)", "{",
                f"    return {P}_ssat8({P}_{rq}(acc, q[1], q[2], q[3], q[4]){plus});", "}", ""]
        # SMLAL, LSR, SMLAL, ASR, SSAT per output in one block (the 1x1 kernels' form)
        asm = ["ldr %[m], [%[r], #4]", "ldr %[s], [%[r], #16]"]
        for v in ys:
            asm += ["ldrd %[lo], %[hi], [%[r], #8]", f"smlal %[lo], %[hi], %[{v}], %[m]"]
            if not clamped:
                asm += [f"lsr %[t], %[{v}], #31", "smlal %[lo], %[hi], %[t], %[c]"]
            asm += [f"asr %[{v}], %[hi], %[s]"]
            if zp_after:
                asm.append(f"{'add' if zp_after > 0 else 'sub'} %[{v}], %[{v}], #{abs(zp_after)}")
            asm.append(f"ssat %[{v}], #8, %[{v}]")
        temps = ("m", "s", "lo", "hi") if clamped else ("m", "s", "lo", "hi", "t")
        outs = ", ".join([f'[{v}] "+r"({v})' for v in ys] + [f'[{t}] "=&r"({t}_)' for t in temps])
        body = [
            f"#if {U}_ARM_ASM",
            "{",
            "    int32_t " + ", ".join(f"{t}_" for t in temps) + ";",
            "    __asm__(",
            *[f'        "{t}\\n\\t"' for t in asm],
            f"        : {outs}",
            f'        : [r] "r"({rec})' + ("" if clamped else ', [c] "r"(INT32_MIN)'),
            '        : "memory");',
            "}",
            "#else",
            *[f"{v} = {name}_rq({v}, {rec});" for v in ys],
            "#endif",
        ]
        return defs, body + clamp

    # --- the layer ------------------------------------------------------------------------
    def code(self) -> str:
        ctx, g, p, P = self.ctx, self.g, self.p, self.P
        name, c, oc, groups = g.name, self.c, self.oc, self.groups
        pairs = -(-oc // 2)
        even = (lambda a: np.append(a, a[-1:])[: 2 * pairs])  # an odd last channel pairs with a copy of itself
        q, is_fast, zp_after = _records(ctx, replace(g, bias=even(g.bias), mult=even(g.mult), shift=even(g.shift)))
        words = 5 if is_fast else 3
        u = filter_transform(self.filt).reshape(oc, -1)  # [oc, position-major 16 * c]
        wname = ctx.op_const("wino_u16", packed_weights(u))
        U = P.upper()
        ih, iw, oh, ow = p["in_h"], p["in_w"], p["out_h"], p["out_w"]
        ph, pw = p["pad_h"], p["pad_w"]
        ntiles = self.tiles_h * self.tiles_w
        fused = ctx.epilogue is not None
        ep = ctx.epilogue.fn if fused else ""
        in_img, out_img = ih * iw * c, oh * ow * oc
        lines = [
            f"/* CONV_2D 3x3 stride 1 as Winograd F(2x2, 3x3): {ih}x{iw}x{c} -> {oh}x{ow}x{oc}, "
            f"{self.tiles_h}x{self.tiles_w} tiles, 2 channels x 2 tiles per block */",
            f"static const {P}_conv_dsp_window_t {name}_win = {{{ih}, {iw}, {c}, 4, 4, 1, 1, {4 * c}, {c}, {-p['in_offset']}}};",
            "",
            *self._requant(is_fast, zp_after, "r")[0],
            *self._input_transform(name),
            *self._output_transform(name),
            "/* V of tile (ty, tx) into dst (the window staged when it crosses the border) */",
            f"static void {name}_tile(const int8_t *in, int32_t ty, int32_t tx, uint32_t *stage, uint32_t *dst)",
            "{",
            f"    const int32_t y0 = 2 * ty - {ph}, x0 = 2 * tx - {pw};",
            f"    if (y0 >= 0 && y0 + 3 < {ih} && x0 >= 0 && x0 + 3 < {iw}) {{",
            f"        {name}_vin(in + (y0 * {iw} + x0) * {c}, {iw * c}, dst);",
            "    } else {",
            f"        {P}_conv_dsp_gather(&{name}_win, in, y0, x0, (int8_t *)stage);",
            f"        {name}_vin((const int8_t *)stage, {4 * c}, dst);",
            "    }",
            "}",
            "",
            f"static void {name}(const int8_t *in, int8_t *out)",
            "{",
            f"    uint32_t vbuf[{64 * groups}];",
            f"    uint32_t stage[{4 * c}];",
            "    int32_t mb_[128];",
            "    int32_t *mb = (int32_t *)(((uintptr_t)mb_ + 255u) & ~(uintptr_t)255u); /* 256-byte aligned */",
            f"    int8_t obuf[2][{4 * oc}];",
            "    int32_t b;",
            f"    for (b = 0; b < {p['batches']}; ++b) {{",
            f"        const int8_t *img = in + b * {in_img};",
            f"        int8_t *dst = out + b * {out_img};",
            "        int32_t t, ty = 0, tx = 0;",
            f"        for (t = 0; t < {ntiles}; t += 2) {{",
            "            int8_t *base[2];",
            "            int32_t rstep[2], full[2], tyx[2][2], k;",
            f"            const uint32_t *wp = (const uint32_t *){wname};",
            f"            const int32_t *r = {q};",
            "            int32_t cp;",
            "            for (k = 0; k < 2; ++k) {",
            f"                if (t + k < {ntiles}) {{",
            f"                    {name}_tile(img, ty, tx, stage, vbuf + 2 * k);",
            "                    tyx[k][0] = ty; tyx[k][1] = tx;",
            f"                    full[k] = 2 * ty + 1 < {oh} && 2 * tx + 1 < {ow};",
            f"                    if (++tx == {self.tiles_w}) {{ tx = 0; ++ty; }}",
            "                } else {",
            "                    int32_t i;",
            f"                    for (i = 0; i < {16 * groups}; ++i) {{ vbuf[4 * i + 2] = vbuf[4 * i]; vbuf[4 * i + 3] = vbuf[4 * i + 1]; }}",
            "                    tyx[k][0] = -1; tyx[k][1] = -1;",
            "                    full[k] = 0;",
            "                }",
            f"                base[k] = full[k] ? dst + (2 * tyx[k][0] * {ow} + 2 * tyx[k][1]) * {oc} : obuf[k];",
            f"                rstep[k] = full[k] ? {ow * oc} : {2 * oc};",
            *([  # a border tile's outputs are finished in obuf: its residual goes there first
                "                if (!full[k] && tyx[k][0] >= 0) {",
                "                    int32_t i, j;",
                "                    for (i = 0; i < 2; ++i) {",
                "                        for (j = 0; j < 2; ++j) {",
                "                            const int32_t oy = 2 * tyx[k][0] + i, ox = 2 * tyx[k][1] + j;",
                f"                            if (oy < {oh} && ox < {ow}) memcpy(obuf[k] + (2 * i + j) * {oc}, dst + (oy * {ow} + ox) * {oc}, {oc});",
                "                        }",
                "                    }",
                "                }",
            ] if fused else []),
            "            }",
            f"            for (cp = 0; cp < {pairs}; ++cp, r += {2 * words}) {{",
            f"#if {U}_ARM_ASM",
            *self._asm_gemm(),
            "#else",
            *self._c_gemm(),
            "#endif",
        ]
        for ch in range(2):
            for k in range(2):
                body = [
                    "{",
                    "    int32_t y[4], y0, y1, y2, y3;",
                    f"    {name}_otr(mb + {2 * ch + k}, r[{ch * words}], y);",
                    "    y0 = y[0]; y1 = y[1]; y2 = y[2]; y3 = y[3];",
                ]
                rq_defs, rq = self._requant(is_fast, zp_after, f"r + {ch * words}" if ch else "r")
                body += ["    " + s if not s.startswith("#") else s for s in rq]
                st = (lambda o, v: f"{o} = {ep}({v}, {o});") if fused else (lambda o, v: f"{o} = (int8_t){v};")
                body += [
                    f"    {{ int8_t *o = base[{k}] + 2 * cp + {ch};",
                    f"      {st('o[0]', 'y0')} {st(f'o[{oc}]', 'y1')} o += rstep[{k}]; {st('o[0]', 'y2')} {st(f'o[{oc}]', 'y3')} }}",
                    "}",
                ]
                if ch == 1 and oc % 2:
                    body = [f"if (cp + 1 < {pairs})"] + body
                lines += ["                " + s if not s.startswith("#") else s for s in body]
        lines += [
            "            }",
            "            for (k = 0; k < 2; ++k) {",
            "                int32_t i, j;",
            "                if (full[k] || tyx[k][0] < 0) continue;",
            "                for (i = 0; i < 2; ++i) {",
            "                    for (j = 0; j < 2; ++j) {",
            "                        const int32_t oy = 2 * tyx[k][0] + i, ox = 2 * tyx[k][1] + j;",
            f"                        if (oy < {oh} && ox < {ow}) memcpy(dst + (oy * {ow} + ox) * {oc}, obuf[k] + (2 * i + j) * {oc}, {oc});",
            "                    }",
            "                }",
            "            }",
            "        }",
            "    }",
            "}",
            "",
        ]
        return "\n".join(lines)
