"""DEPTHWISE_CONV_2D for the ``dsp`` target: one padded channel plane at a time.

For each input channel, the kernel copies the channel out of the NHWC tensor into
a small static plane bordered with the raw input zero point, so the taps of every
output are in bounds and adjacent; the input offset is folded into the bias at
generation time (``bias' = bias + in_offset * sum(w)``: a border cell then adds
``(zp + in_offset) * w = 0``, the same int32 as TFLM's in-bounds sum). Every
output channel of that input channel (depth multiplier) is then computed from the
plane and written back strided into NHWC, with the requantization fused
(``tv_requant_fast`` when every channel fits it, TFLM's general form otherwise).

Variants (``KernelCall.variant``):

``dsp-dw3x3``
    3x3 windows (any stride and dilation in H; stride 1 or 2 and no dilation in W) whose
    channels all fit ``mulhi_requant``: every output of a channel in one assembly routine
    (``<fn>_ch``, AAPCS, the same blocks in C on the host) over 2x2 output blocks, so a
    plane row loaded once serves two output rows; 4 accumulators, 5 packed weight words,
    the bias and the pointers fill r0-r12 and lr, and the requantization constants are
    swapped into three weight registers with one LDM from the routine's stack frame.
    Weights and bias are doubled at generation time so that SMMLAR of the accumulator is
    TFLM's rounding doubling high multiply: requantization is SMMLAR, ADD (sign), ASR, SSAT
    and STRB per output. The odd last column and row are blocks of their own.
``dsp-dw3``
    3-wide kernels (any height, stride and dilation in H; stride 1 or 2 and no
    dilation in W): one unaligned 32-bit load of a plane row split by SXTB16 and
    SXTB16 ROR 8 into even and odd lanes gives two adjacent outputs per kernel row
    with SMLAD + SMLABB/SMLATB (weights packed per channel at generation time as
    [w0, w2] words and the middle taps as half-words).
``dsp-dw``
    any other kernel size, stride and dilation: unrolled taps at constant offsets
    of the plane (no bounds checks, no offset additions).

The plane (one per model, ``<prefix>_dw_plane``, static, sized at generation time
for the largest plane of the model's depthwise layers) is the only RAM beyond the
arena. Since each channel is staged before any of its outputs are written, and an
output channel c (depth multiplier 1) only lands on input bytes of channel c, the
output may be computed in place over the input when the depth multiplier is 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.codegen.fast.requant import MulHiRequant, clamp_c, fast_requant, mulhi_requant
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.conv2d import window_operands, window_params
from tinyvid.errors import ModelError, UnsupportedModelError

TARGETS = ("dsp",)
OPCODES = ("DEPTHWISE_CONV_2D",)

#: the largest scratch (plane + accumulator row, bytes) a layer may use; larger layers keep the portable kernel
MAX_PLANE_BYTES = 16384
#: the most taps the unrolled general variant emits
MAX_TAPS = 64
#: the widest plane row copied element by element without a loop
MAX_UNROLLED_COPY = 64
#: bytes read past the last needed column of a plane row (the 32-bit loads of the dw3 variant)
SLACK = 4


@dataclass(frozen=True)
class Layer:
    batches: int
    h: int
    w: int
    c: int
    oh: int
    ow: int
    oc: int
    dm: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pad_h: int
    pad_w: int
    in_zp: int
    out_zp: int
    act_min: int
    act_max: int

    @property
    def pair3(self) -> bool:
        """Whether the SMLAD pair variant applies (3 taps wide, stride 1 or 2 and no dilation in W)."""
        return self.kw == 3 and self.dw == 1 and self.sw in (1, 2)

    @property
    def plane_h(self) -> int:
        return (self.oh - 1) * self.sh + (self.kh - 1) * self.dh + 1

    @property
    def plane_cols(self) -> int:
        """Columns the outputs read."""
        return (self.ow - 1) * self.sw + (self.kw - 1) * self.dw + 1

    @property
    def plane_w(self) -> int:
        return self.plane_cols + (SLACK if self.pair3 else 0)

    @property
    def plane_bytes(self) -> int:
        return -(-(self.plane_h * self.plane_w + SLACK) // 4) * 4

    @property
    def scratch_bytes(self) -> int:
        """The static scratch: one row of int32 accumulators, then the plane."""
        return 4 * self.ow + self.plane_bytes

    @property
    def copy_h(self) -> int:
        """Input rows staged (rows no output reads are skipped)."""
        return max(0, min(self.h, self.plane_h - self.pad_h))

    @property
    def copy_w(self) -> int:
        return max(0, min(self.w, self.plane_cols - self.pad_w))


def _layer(ctx: LoweringContext):
    """The layer's geometry and constants, or None when this kernel does not cover it."""
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    if len(w.shape) != 4 or w.shape[0] != 1 or oc % c:
        return None
    _, kh, kw, _ = w.shape
    bias, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 3, ("depth_mult", oc // c))
    p = dict(params)
    layer = Layer(n, h, wd, c, oh, ow, oc, oc // c, kh, kw, p["stride_h"], p["stride_w"], p["dil_h"], p["dil_w"],
                  p["pad_h"], p["pad_w"], x.quantization.zero_point, p["out_offset"], p["act_min"], p["act_max"])
    if layer.scratch_bytes > MAX_PLANE_BYTES or kh * kw > MAX_TAPS or min(oh, ow) < 1:
        return None
    weights = w.data.astype(np.int64).reshape(kh, kw, oc)
    b = bias.data.astype(np.int64).reshape(-1) if bias is not None else np.zeros(oc, np.int64)
    folded = b + p["in_offset"] * weights.sum(axis=(0, 1))
    folded = ((folded + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)  # int32 wrap, as the kernels add
    return layer, weights, folded, mult, shift, b


def plane_bytes(ctx: LoweringContext) -> int:
    """The static plane the model's depthwise layers share: the largest any of them stages."""
    size = 0
    for op in ctx.graph.operators:
        if op.opcode not in OPCODES:
            continue
        other = LoweringContext(ctx.graph, op, ctx.prefix, {}, ctx.target, ctx.codegen_options)
        try:
            found = _layer(other)
        except (ModelError, UnsupportedModelError, ValueError, ArithmeticError):
            continue
        if found is not None:
            size = max(size, found[0].scratch_bytes)
    return size


def specialise(ctx: LoweringContext, call):
    found = _layer(ctx)
    if found is None:
        return None
    layer, weights, folded, mult, shift, bias = found
    fast = fast_requant(mult, shift, layer.out_zp)
    P, p = ctx.prefix.upper(), ctx.prefix
    fn = f"{p}_op{ctx.op.index}_dwconv"
    x, y = ctx.input(0), ctx.output()
    # each channel is staged whole before its outputs are written, and with one output per input
    # channel those go only to bytes of channels already staged: the output may be written in place
    in_place = (x.index, 0) if layer.dm == 1 and layer.batches == 1 else None
    mulhi = mulhi_requant(mult, shift, layer.out_zp)
    if mulhi is not None and fused_applies(layer) and _doubled_fits(weights, bias):
        consts = ctx.op_const("dwc", _fused_words(layer, weights, folded, mulhi).reshape(-1))
        return KernelCall(("arm",), f"{fn}(@T{x.index}@, @T{y.index}@);",
                          code=_fused_source(layer, fn, consts, plane_bytes(ctx), p, P),
                          variant="dsp-dw3x3", overlap=in_place, overlap_exact=True)
    per_channel = _channel_words(layer, weights, folded, mult, shift, fast)
    consts = ctx.op_const("dwc", per_channel.reshape(-1))
    taps = None if layer.pair3 else ctx.op_const("dwtaps", weights.transpose(2, 0, 1).reshape(-1).astype(np.int8))
    code = _source(layer, fn, consts, taps, per_channel.shape[1], fast is not None, plane_bytes(ctx), p, P)
    return KernelCall(("arm",), f"{fn}(@T{x.index}@, @T{y.index}@);", code=code,
                      variant="dsp-dw3" if layer.pair3 else "dsp-dw", overlap=in_place, overlap_exact=True)


def _channel_words(layer: Layer, weights, folded, mult, shift, fast) -> np.ndarray:
    """Per output channel: [packed weights (dw3 only)..., bias', requantization constants...]."""
    rows = []
    for oc in range(layer.oc):
        words: list[int] = []
        if layer.pair3:
            wk = weights[:, :, oc]
            words += [_pack(int(wk[r, 0]), int(wk[r, 2])) for r in range(layer.kh)]
            mids = [int(wk[r, 1]) for r in range(layer.kh)] + [0]
            words += [_pack(mids[r], mids[r + 1]) for r in range(0, layer.kh, 2)]
        words.append(int(folded[oc]))
        if fast is not None:
            lo, hi = fast.k_words()
            words += [int(fast.m[oc]), int(lo[oc]), int(hi[oc]), int(fast.sh[oc])]
        else:
            words += [int(mult[oc]), int(shift[oc])]
        rows.append(words)
    return np.array(rows, np.int64).astype(np.int32)


def _pack(lo: int, hi: int) -> int:
    v = ((hi & 0xFFFF) << 16) | (lo & 0xFFFF)
    return v - (1 << 32) if v >= 1 << 31 else v


def _source(L: Layer, fn: str, consts: str, taps: str | None, nw: int, fast: bool, scratch: int, p: str, P: str) -> str:
    pw = L.plane_w
    nwt = (L.kh + (L.kh + 1) // 2) if L.pair3 else 0  # weight words per channel
    lines = [
        f"#ifndef {P}_DW_SCRATCH_BYTES",
        f"#define {P}_DW_SCRATCH_BYTES {scratch}",
        "/* every depthwise layer's scratch: a row of accumulators, then the padded channel plane */",
        f"static uint32_t {p}_dw_scratch[{P}_DW_SCRATCH_BYTES / 4];",
        "#endif",
        "",
        f"/* DEPTHWISE_CONV_2D {L.h}x{L.w}x{L.c} -> {L.oh}x{L.ow}x{L.oc}, {L.kh}x{L.kw}, stride {L.sh}x{L.sw}, "
        f"dilation {L.dh}x{L.dw}, plane {L.plane_h}x{pw} */",
        "#if defined(__GNUC__)",
        "__attribute__((noinline))",
        "#endif",
        f"static void {fn}(const int8_t *in, int8_t *out)",
        "{",
        f"    int32_t *const acc = (int32_t *){p}_dw_scratch;",
        f"    int8_t *const plane = (int8_t *)({p}_dw_scratch + {L.ow});",
        f"    const int32_t *cp = {consts};",
    ]
    if taps:
        lines.append(f"    const int8_t *tp = {taps};")
    lines += [
        "    int32_t b, c, y, x;",
        f"    for (x = 0; x < {L.plane_bytes // 4}; ++x) {{",
        f"        {p}_dw_scratch[{L.ow} + x] = 0x{(L.in_zp & 0xFF) * 0x01010101:08X}u;",
        "    }",
        f"    for (b = 0; b < {L.batches}; ++b) {{",
        f"        const int8_t *in_c = in + b * {L.h * L.w * L.c};",
        f"        int8_t *out_c = out + b * {L.oh * L.ow * L.oc};",
        f"        for (c = 0; c < {L.c}; ++c, ++in_c, out_c += {L.dm}) {{",
    ]
    lines += ["            " + s for s in _stage(L, pw, p)]
    body = _channel(L, pw, nwt, fast, p)
    if L.dm > 1:
        lines += ["            int32_t mc;", f"            for (mc = 0; mc < {L.dm}; ++mc, cp += {nw}) {{"]
        lines += ["                " + s for s in body]
        lines.append("            }")
    else:
        lines += ["            {"] + ["                " + s for s in body] + ["            }", f"            cp += {nw};"]
    lines += ["        }", f"        cp = {consts};"]
    if taps:
        lines.append(f"        tp = {taps};")
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


def _stage(L: Layer, pw: int, p: str) -> list[str]:
    """Copies channel c (``in_c``, stride C) into the interior of the plane."""
    if L.copy_h == 0 or L.copy_w == 0:
        return []
    c = L.c
    out = ["{", "    const int8_t *s = in_c;", f"    int8_t *d = plane + {L.pad_h * pw + L.pad_w};",
           f"    for (y = 0; y < {L.copy_h}; ++y, s += {L.w * c}, d += {pw}) {{"]
    if L.copy_w <= MAX_UNROLLED_COPY and (L.copy_w - 1) * c <= 4095:
        # LDRB + STRB at immediate offsets: 2 instructions per element (the packed-word loop took 2.75)
        out += [f"        d[{k}] = s[{k * c}];" for k in range(L.copy_w)]
        return out + ["    }", "}"]
    full = L.copy_w // 4
    if full > 1:
        out += ["        const int8_t *sx = s;", "        int8_t *dx = d;",
                f"        for (x = 0; x < {full}; ++x, sx += {4 * c}, dx += 4) {{"]
        out.append(f"            {p}_write_u32(dx, " + " | ".join(
            f"((uint32_t)(uint8_t)sx[{k * c}]" + (f" << {8 * k})" if k else ")") for k in range(4)) + ");")
        out.append("        }")
        first = 4 * full
    else:
        first = 0
    for k in range(first, L.copy_w):
        out.append(f"        d[{k}] = s[{k * c}];")
    out += ["    }", "}"]
    return out


def _requant(L: Layer, acc: str, fast: bool, p: str) -> str:
    if fast:
        v = f"{p}_requant_fast({acc}, rm, rk, rsh)"
    else:
        v = f"{p}_mul_by_quantized_mul({acc}, rm, rsh) + ({L.out_zp})"
    return clamp_c(v, L.act_min, L.act_max, p)


def _channel(L: Layer, pw: int, nwt: int, fast: bool, p: str) -> list[str]:
    """One output channel from the staged plane (``cp``: its constant words): per output row, the
    accumulators first (weights in registers), then their requantization (its constants in registers)."""
    out = [f"const int32_t bias = cp[{nwt}];", f"const int32_t rm = cp[{nwt + 1}];",
           "int8_t *o = out_c" + (" + mc;" if L.dm > 1 else ";")]
    if fast:
        out += [f"const int64_t rk = (int64_t)(((uint64_t)(uint32_t)cp[{nwt + 3}] << 32) | (uint32_t)cp[{nwt + 2}]);",
                f"const int32_t rsh = cp[{nwt + 4}];"]
    else:
        out.append(f"const int32_t rsh = cp[{nwt + 2}];")
    if L.pair3:
        out += [f"const uint32_t w{r} = (uint32_t)cp[{r}];" for r in range(L.kh)]
        out += [f"const uint32_t wm{j} = (uint32_t)cp[{L.kh + j}];" for j in range((L.kh + 1) // 2)]
    else:
        out += [f"const int32_t k{t} = tp[{t}];" for t in range(L.kh * L.kw)]
        out.append(f"tp += {L.kh * L.kw};")
    out += [f"for (y = 0; y < {L.oh}; ++y) {{", f"    const int8_t *q = plane + y * {L.sh * pw};", "    int32_t *pa = acc;"]
    out += ["    " + s for s in (_pair3(L, pw, p) if L.pair3 else _taps(L, pw, p))]
    out += ["    " + s for s in _rq_row(L, fast, p)]
    out.append("}")
    return out


def _rq_row(L: Layer, fast: bool, p: str) -> list[str]:
    out = ["{", f"    int8_t *po = o + y * {L.ow * L.oc};", "    const int32_t *pr = acc;"]
    pairs = L.ow // 2
    if pairs:
        loop = [f"for (x = 0; x < {pairs}; ++x, pr += 2, po += {2 * L.oc}) {{",
                f"    po[0] = {_requant(L, 'pr[0]', fast, p)};", f"    po[{L.oc}] = {_requant(L, 'pr[1]', fast, p)};", "}"]
        if fast and 2 * L.oc <= 4095:
            out += ["    " + s for s in _guarded(p, _rq_asm(L, pairs), loop)]
        else:
            out += ["    " + s for s in loop]
    if L.ow % 2:
        out.append(f"    po[0] = {_requant(L, 'pr[0]', fast, p)};")
    out.append("}")
    return out


def _guarded(p: str, asm: list[str], c: list[str]) -> list[str]:
    """Inline assembly on a DSP core, the same arithmetic in C elsewhere (the host tests run the C)."""
    return [f"#if {p.upper()}_ARM_DSP", *asm, "#else", *c, "#endif"]


def _asm(text: list[str], outputs: str, inputs: str) -> list[str]:
    body = [f'    "{t}\\n"' for t in text]
    return ["__asm__ volatile(", *body, f"    : {outputs}", f"    : {inputs}", '    : "cc", "memory");']


def _rq_asm(L: Layer, pairs: int) -> list[str]:
    """Two requantized outputs per step: tv_requant_fast's SMLAL form, SSAT, strided stores (GCC spills
    these constants in C: 18 instead of about 30 instructions per pair measured on Cortex-M4)."""
    text = ["1:", "ldrd %[v0], %[v1], [%[pr]], #8"]
    for v, off in (("v0", 0), ("v1", L.oc)):
        text += [f"and %[lo], %[{v}], #0x80000000", "subs %[lo], %[kl], %[lo]", "sbc %[hi], %[kh], #0",
                 f"smlal %[lo], %[hi], %[{v}], %[m]", "asr %[hi], %[hi], %[sh]", "ssat %[hi], #8, %[hi]"]
        if L.act_min > -128:
            text += [f"cmp %[hi], #{L.act_min}", "it lt", f"movlt %[hi], #{L.act_min}"]
        if L.act_max < 127:
            text += [f"cmp %[hi], #{L.act_max}", "it gt", f"movgt %[hi], #{L.act_max}"]
        text.append(f"strb %[hi], [%[po], #{off}]")
    text += [f"add %[po], %[po], #{2 * L.oc}", "subs %[n], %[n], #1", "bne 1b"]
    return ["{", f"    int32_t n = {pairs}, v0, v1, lo, hi;",
            "    const int32_t kl = (int32_t)(uint32_t)(uint64_t)rk, kh = (int32_t)(rk >> 32), sh = rsh - 32;",
            *["    " + t for t in _asm(text, '[pr] "+r"(pr), [po] "+r"(po), [n] "+r"(n), [v0] "=&r"(v0), [v1] "=&r"(v1), '
                                            '[lo] "=&r"(lo), [hi] "=&r"(hi)',
                                      '[m] "r"(rm), [kl] "r"(kl), [kh] "r"(kh), [sh] "r"(sh)')],
            "}"]


def _pair3_asm(L: Layer, pw: int, pairs: int) -> list[str] | None:
    """The 3x3 accumulator loop in assembly (GCC spills the weights from C: 25 instead of about 40
    instructions per pair of outputs measured on Cortex-M4), or None when it does not apply."""
    offs = [r * L.dh * pw for r in range(3)]
    if L.kh != 3 or offs[-1] + 2 > 4095 or pairs >= 1 << 15:
        return None
    text = ["1:"]
    for r, off in enumerate(offs):
        wm, lane = f"m{r // 2}", "b" if r % 2 == 0 else "t"
        first = r == 0
        text += [f"ldr %[a], [%[q], #{off}]", "sxtb16 %[e], %[a]", "sxtb16 %[a], %[a], ror #8",
                 f"smlad %[s0], %[e], %[w{r}], {'%[b]' if first else '%[s0]'}", f"smlab{lane} %[s0], %[a], %[{wm}], %[s0]"]
        if L.sw == 2:
            text += [f"ldr %[e], [%[q], #{off + 2}]", "sxtb16 %[e], %[e]",
                     f"smlad %[s1], %[e], %[w{r}], {'%[b]' if first else '%[s1]'}", f"smlat{lane} %[s1], %[a], %[{wm}], %[s1]"]
        else:
            text += [f"smlad %[s1], %[a], %[w{r}], {'%[b]' if first else '%[s1]'}", f"smlat{lane} %[s1], %[e], %[{wm}], %[s1]"]
    # the loop counter rides in the top half of m1 (its bottom half is row 2's middle tap; a 13th
    # register is not available to an asm block)
    text += [f"adds %[q], %[q], #{2 * L.sw}", "strd %[s0], %[s1], [%[pa]], #8", "sub %[m1], %[m1], #0x10000",
             "cmp %[m1], #0x10000", "bhs 1b"]
    return ["{", f"    uint32_t m1 = (wm1 & 0xFFFFu) | ((uint32_t){pairs} << 16);",
            *["    " + t for t in _asm(text, '[q] "+r"(q), [pa] "+r"(pa), [m1] "+r"(m1), [a] "=&r"(a), [e] "=&r"(e), '
                                            '[s0] "=&r"(s0), [s1] "=&r"(s1)',
                                      '[w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [m0] "r"(wm0), [b] "r"(bias)')],
            "}"]


def _mid(row: int, lane_x: str, p: str) -> str:
    """The SMLAxy that multiplies lane ``lane_x`` (B/T) of an operand by the middle tap of ``row``."""
    return f"{p}_smla{lane_x.lower()}{'b' if row % 2 == 0 else 't'}"


def _pair3(L: Layer, pw: int, p: str) -> list[str]:
    """Accumulators of one output row, two adjacent outputs per step (3 taps wide), the odd last one alone."""
    s2 = L.sw == 2

    def row_terms(r: int, pair: bool) -> list[str]:
        off = f" + {r * L.dh * pw}" if r else ""
        wm = f"wm{r // 2}"
        t = [f"a = {p}_read_u32(q{off});", f"e = {p}_sxtb16(a);", f"a = {p}_sxtb16_ror8(a);",
             f"s0 = {p}_smlad(e, w{r}, s0);", f"s0 = {_mid(r, 'B', p)}(a, {wm}, s0);"]
        if pair:
            if s2:  # outputs at columns 2q and 2q + 2: the second reads [x2, x4] and x3 (the odd top lane)
                t += [f"e = {p}_sxtb16({p}_read_u32(q{off} + 2));", f"s1 = {p}_smlad(e, w{r}, s1);",
                      f"s1 = {_mid(r, 'T', p)}(a, {wm}, s1);"]
            else:  # outputs at columns q and q + 1: [x1, x3] with the outer taps, x2 (the even top lane) with the middle
                t += [f"s1 = {p}_smlad(a, w{r}, s1);", f"s1 = {_mid(r, 'T', p)}(e, {wm}, s1);"]
        return t

    out = ["uint32_t a, e;", "int32_t s0, s1;"]
    pairs = L.ow // 2
    if pairs:
        loop = [f"for (x = 0; x < {pairs}; ++x, q += {2 * L.sw}, pa += 2) {{", "    s0 = bias;", "    s1 = bias;"]
        for r in range(L.kh):
            loop += ["    " + s for s in row_terms(r, True)]
        loop += ["    pa[0] = s0;", "    pa[1] = s1;", "}"]
        asm = _pair3_asm(L, pw, pairs)
        out += loop if asm is None else _guarded(p, asm, loop)
    else:
        out.append("(void)s1;")
    if L.ow % 2:
        out.append("s0 = bias;")
        for r in range(L.kh):
            out += row_terms(r, False)
        out += ["pa[0] = s0;"]
    return out


def _taps(L: Layer, pw: int, p: str) -> list[str]:
    out = [f"for (x = 0; x < {L.ow}; ++x, q += {L.sw}) {{", "    int32_t s0 = bias;"]
    for ky in range(L.kh):
        for kx in range(L.kw):
            out.append(f"    s0 = {p}_smlabb((uint32_t)q[{ky * L.dh * pw + kx * L.dw}], (uint32_t)k{ky * L.kw + kx}, s0);")
    out += ["    pa[x] = s0;", "}"]
    return out


# --- dsp-dw3x3: 3x3 windows, two output rows x two output columns per block, requantization fused ---

#: registers of the fused per-channel routine (AAPCS: r0-r3 arguments, r4-r11 and lr saved)
_R = dict(q="r0", po="r1", s00="r2", s01="r3", s10="r4", s11="r5", e="r6", a="r7", W0="r8", W1="r9", W2="r10",
          M01="r11", M2="r12", bias="lr", m="r8", c="r9", sh="r10", y="r6")
#: words per output channel of the fused routine: m, c, e, 0, the packed doubled weights, the doubled bias
FUSED_WORDS = 10


def _doubled_fits(weights, bias) -> bool:
    """Whether every accumulator stays within +-2^30 (TFLM's own bound: |bias| + 255 * sum|w|), so
    that the doubled accumulator of tv_requant_mulhi is exact in int32."""
    bound = np.abs(bias) + 255 * np.abs(weights).sum(axis=(0, 1))
    return bool(np.all(bound < (1 << 30)))


def fused_applies(L: Layer) -> bool:
    """Whether the fused 3x3 routine covers the layer (else the accumulator-row form of dsp-dw3)."""
    if not (L.pair3 and L.kh == 3):
        return False
    rows = 2 if L.oh >= 2 else 1
    last_row = ((rows - 1) * L.sh + 2 * L.dh) * L.plane_w
    last_out = (rows - 1) * L.ow * L.oc + L.oc
    return last_row + 2 * L.sw + 4 <= 4095 and last_out <= 4095 and L.ow // 2 <= 256 and L.oh // 2 < 1 << 16


def _fused_words(L: Layer, weights, folded, rq: MulHiRequant) -> np.ndarray:
    """Weights and bias doubled (the accumulator of tv_requant_mulhi is 2 * TFLM's)."""
    pairs = L.ow // 2
    rows = []
    for oc in range(L.oc):
        wk = 2 * weights[:, :, oc]
        outer = [_pack(int(wk[r, 0]), int(wk[r, 2])) for r in range(3)]
        m01 = _pack(int(wk[0, 1]), int(wk[1, 1]))
        # the top byte of the third middle-tap word counts the column pairs of a row (the asm loop counter)
        m2 = (int(wk[2, 1]) & 0xFFFF) | (((pairs - 1) & 0xFF) << 24 if pairs else 0)
        m2 = m2 - (1 << 32) if m2 >= 1 << 31 else m2
        bias2 = (2 * int(folded[oc]) + (1 << 31)) % (1 << 32) - (1 << 31)
        rows.append([int(rq.m[oc]), int(rq.c[oc]), int(rq.e[oc]), 0, *outer, m01, m2, bias2])
    return np.array(rows, np.int64).astype(np.int32)


class _Block:
    """One block of nr output rows x nc output columns of one channel, as asm lines and the same steps in C."""

    def __init__(self, L: Layer, p: str):
        self.L, self.p = L, p
        self.asm: list[str] = []
        self.c: list[str] = []

    def op(self, asm: str, c: str) -> None:
        self.asm.append(asm)
        self.c.append(c)

    def emit(self, nr: int, nc: int, last_store_post: int, q_post: int = 0) -> None:
        """``last_store_post``/``q_post``: the block's output and plane pointer steps, taken by
        post-indexed forms of its last store and of the load of plane row 0 (loaded last)."""
        L, p = self.L, self.p
        R = _R
        started: set[str] = set()
        acc = {(i, j): f"s{i}{j}" for i in range(nr) for j in range(nc)}
        plane_rows = sorted({i * L.sh + r * L.dh for i in range(nr) for r in range(3)})
        if q_post:
            plane_rows = plane_rows[1:] + plane_rows[:1]
        moved = 0  # how far q has already advanced in the asm (the C keeps q until the loop step)
        for pr in plane_rows:
            off = pr * L.plane_w
            uses = [(i, (pr - i * L.sh) // L.dh) for i in range(nr)
                    if 0 <= pr - i * L.sh <= 2 * L.dh and (pr - i * L.sh) % L.dh == 0]
            if q_post and pr == 0:
                self.op(f"ldr {R['a']}, [{R['q']}], #{q_post}", f"a = {p}_read_u32(q);")
                moved = q_post
            else:
                self.op(f"ldr {R['a']}, [{R['q']}, #{off}]", f"a = {p}_read_u32(q + {off});")
            self.op(f"sxtb16 {R['e']}, {R['a']}", f"e = {p}_sxtb16(a);")
            self.op(f"sxtb16 {R['a']}, {R['a']}, ror #8", f"a = {p}_sxtb16_ror8(a);")

            def mac(i, j, r, x, mid, lane_x):
                s = acc[(i, j)]
                src = s if s in started else "bias"
                started.add(s)
                w, mw = f"W{r}", ("M01" if r < 2 else "M2")
                lane_w = "t" if r == 1 else "b"
                self.op(f"smlad {R[s]}, {R[x]}, {R[w]}, {R[src]}", f"{s} = {p}_smlad({x}, {w}, {src});")
                self.op(f"smla{lane_x}{lane_w} {R[s]}, {R[mid]}, {R[mw]}, {R[s]}",
                        f"{s} = {p}_smla{lane_x}{lane_w}({mid}, {mw}, {s});")

            for i, r in uses:
                mac(i, 0, r, "e", "a", "b")  # [x0, x2] with the outer taps, x1 with the middle one
                if nc == 2 and L.sw == 1:
                    mac(i, 1, r, "a", "e", "t")  # [x1, x3] with the outer taps, x2 with the middle one
            if nc == 2 and L.sw == 2:
                self.op(f"ldr {R['e']}, [{R['q']}, #{off + 2 - moved}]", f"e = {p}_read_u32(q + {off + 2});")
                self.op(f"sxtb16 {R['e']}, {R['e']}", f"e = {p}_sxtb16(e);")
                for i, r in uses:
                    mac(i, 1, r, "e", "a", "t")  # [x2, x4] with the outer taps, x3 with the middle one
        # requantization: its constants replace three weight words in r8-r10 (LDM from the stack frame)
        self.asm.append(f"ldm sp, {{{R['m']}, {R['c']}, {R['sh']}}}")
        order = [k for k in acc if k != (0, 0)] + [(0, 0)]
        for i, j in order:
            s, off = acc[(i, j)], i * L.ow * L.oc + j * L.oc
            hi = R["y"]
            self.asm += [f"smmlar {hi}, {R[s]}, {R['m']}, {R['c']}", f"add {hi}, {hi}, {R[s]}, asr #31",
                         f"asr {hi}, {hi}, {R['sh']}", f"ssat {hi}, #8, {hi}"]
            if L.act_min > -128:
                self.asm += [f"cmp {hi}, #{L.act_min}", "it lt", f"movlt {hi}, #{L.act_min}"]
            if L.act_max < 127:
                self.asm += [f"cmp {hi}, #{L.act_max}", "it gt", f"movgt {hi}, #{L.act_max}"]
            if (i, j) == (0, 0) and last_store_post:
                self.asm.append(f"strb {hi}, [{R['po']}], #{last_store_post}")
            else:
                self.asm.append(f"strb {hi}, [{R['po']}, #{off}]")
            self.c.append(f"po[{off}] = {clamp_c(f'{p}_requant_mulhi({s}, rm, rc, re)', L.act_min, L.act_max, p)};")
        self.asm.append(f"ldrd {R['W0']}, {R['W1']}, [sp, #16]")
        self.asm.append(f"ldr {R['W2']}, [sp, #24]")


def _add_imm(reg: str, value: int) -> list[str]:
    if value == 0:
        return []
    if abs(value) <= 4095:
        return [f"{'add' if value > 0 else 'sub'} {reg}, {reg}, #{abs(value)}"]
    return [f"movw r6, #{abs(value) & 0xFFFF}", f"movt r6, #{abs(value) >> 16}",
            f"{'add' if value > 0 else 'sub'} {reg}, {reg}, r6"]


def _fused_channel(L: Layer, name: str, p: str, P: str) -> list[str]:
    """The routine computing every output of one channel from its staged plane: ``name(q, po, cp)``,
    in assembly on a DSP core (GCC cannot keep 4 accumulators, 5 weight words, the bias and the pointers
    in registers from C), the same blocks in C elsewhere."""
    pairs, podd = L.ow // 2, L.ow % 2
    rowpairs, rodd = L.oh // 2, L.oh % 2
    asm = [f".Lrow_{name}:"] if rowpairs else []
    cbody: list[str] = []

    def row_group(nr: int) -> tuple[list[str], list[str]]:
        a, c = [], []
        if pairs:
            post = 2 * L.oc if 2 * L.oc <= 255 else 0
            b = _Block(L, p)
            b.emit(nr, 2, post, 2 * L.sw)
            a += [f".Lcol{nr}_{name}:", *b.asm]
            if not post:
                a += _add_imm("r1", 2 * L.oc)
            a += ["subs r12, r12, #0x01000000", f"bcs .Lcol{nr}_{name}", f"add r12, r12, #{(pairs << 24) & 0xFFFFFFFF}"]
            c += [f"for (x = 0; x < {pairs}; ++x, q += {2 * L.sw}, po += {2 * L.oc}) {{", *["    " + s for s in b.c], "}"]
        if podd:
            b = _Block(L, p)
            b.emit(nr, 1, 0)
            a += b.asm
            c += ["{", *["    " + s for s in b.c], "}"]
        return a, c

    if rowpairs:
        a, c = row_group(2)
        dq, dpo = 2 * L.sh * L.plane_w - 2 * pairs * L.sw, 2 * L.ow * L.oc - 2 * pairs * L.oc
        asm += a + _add_imm("r0", dq) + _add_imm("r1", dpo)
        asm += ["ldr r6, [sp, #32]", "subs r6, r6, #1", "str r6, [sp, #32]", f"bne .Lrow_{name}"]
        cbody += [f"for (y = 0; y < {rowpairs}; ++y, q += {dq}, po += {dpo}) {{", *["    " + s for s in c], "}"]
    if rodd:
        a, c = row_group(1)
        asm += a
        cbody += c
    prologue = ["push {r4-r11, lr}", "ldmia r2!, {r4-r11}", "ldm r2, {r12, lr}", f"movw r2, #{max(rowpairs, 1)}",
                "push {r2, r3}", "push {r4-r11}"]
    epilogue = ["add sp, sp, #40", "pop {r4-r11, pc}"]
    text = [".pushsection .text." + name + ',\\"ax\\",%progbits', ".balign 4", ".thumb", ".syntax unified",
            f".thumb_func", f".type {name}, %function", f"{name}:", *prologue, *asm, *epilogue, f".size {name}, .-{name}",
            ".popsection"]
    used = sorted({v for line in cbody for v in ("s00", "s01", "s10", "s11") if v in line})
    c = [f"static void {name}(const int8_t *q, int8_t *po, const int32_t *cp)", "{",
         "    const int32_t rm = cp[0], rc = cp[1], re = cp[2], bias = cp[9];",
         "    const uint32_t W0 = (uint32_t)cp[4], W1 = (uint32_t)cp[5], W2 = (uint32_t)cp[6];",
         "    const uint32_t M01 = (uint32_t)cp[7], M2 = (uint32_t)cp[8];",
         f"    int32_t {', '.join(used)};", "    uint32_t a, e;", "    int32_t x, y;", "    (void)x;", "    (void)y;",
         *["    " + s for s in cbody], "}"]
    return [f"#if {P}_ARM_ASM", f"void {name}(const int8_t *q, int8_t *po, const int32_t *cp);", "__asm__(",
            *[f'    "{t}\\n"' for t in text], ");", "#else", *c, "#endif"]


def _fused_source(L: Layer, fn: str, consts: str, scratch: int, p: str, P: str) -> str:
    ch = f"{fn}_ch"
    lines = [
        f"#ifndef {P}_DW_SCRATCH_BYTES",
        f"#define {P}_DW_SCRATCH_BYTES {scratch}",
        "/* every depthwise layer's scratch: a row of accumulators, then the padded channel plane */",
        f"static uint32_t {p}_dw_scratch[{P}_DW_SCRATCH_BYTES / 4];",
        "#endif",
        "",
        f"/* DEPTHWISE_CONV_2D {L.h}x{L.w}x{L.c} -> {L.oh}x{L.ow}x{L.oc}, 3x3, stride {L.sh}x{L.sw}, "
        f"dilation {L.dh}x1, plane {L.plane_h}x{L.plane_w}: 2x2 output blocks, requantization fused */",
        *_fused_channel(L, ch, p, P),
        "",
        "#if defined(__GNUC__)",
        "__attribute__((noinline))",
        "#endif",
        f"static void {fn}(const int8_t *in, int8_t *out)",
        "{",
        f"    int8_t *const plane = (int8_t *)({p}_dw_scratch + {L.ow});",
        f"    const int32_t *cp = {consts};",
        "    int32_t b, c, y, x;",
        "    (void)y;",
        f"    for (x = 0; x < {L.plane_bytes // 4}; ++x) {{",
        f"        {p}_dw_scratch[{L.ow} + x] = 0x{(L.in_zp & 0xFF) * 0x01010101:08X}u;",
        "    }",
        f"    for (b = 0; b < {L.batches}; ++b) {{",
        f"        const int8_t *in_c = in + b * {L.h * L.w * L.c};",
        f"        int8_t *out_c = out + b * {L.oh * L.ow * L.oc};",
        f"        for (c = 0; c < {L.c}; ++c, ++in_c, out_c += {L.dm}) {{",
    ]
    lines += ["            " + s for s in _stage(L, L.plane_w, p)]
    if L.dm > 1:
        lines += ["            int32_t mc;", f"            for (mc = 0; mc < {L.dm}; ++mc, cp += {FUSED_WORDS}) {{",
                  f"                {ch}(plane, out_c + mc, cp);", "            }"]
    else:
        lines += [f"            {ch}(plane, out_c, cp);", f"            cp += {FUSED_WORDS};"]
    lines += ["        }", f"        cp = {consts};", "    }", "}"]
    return "\n".join(lines) + "\n"
