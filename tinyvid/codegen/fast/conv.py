"""CONV_2D with a filter larger than 1x1 on the DSP target: a direct convolution generated per layer.

Each output pixel's window is read as a short vector of int8 words, widened once to
int16 (``SXTB16`` and ``SXTB16 ROR #8``) into a stack buffer shared by two pixels,
and multiplied with every output channel pair (2 channels x 2 pixels, ``SMLAD``).

* The window layout is chosen per layer shape, at generation time. A *segment* is a
  run of the window that is contiguous in the NHWC input: a whole filter row
  (``k_w * in_c`` bytes) without width dilation, one tap (``in_c`` bytes) with it.
  Each segment is read as whole words; a segment of ``4n + 3`` bytes reads one byte
  more (its filter weight is zero), the 1 or 2 bytes left at the end of shorter
  segments are packed together into shared words (the first layer's 3 x 9-byte
  filter rows make 7 words, not 9). The weights follow the same layout, widened to
  int16 in the lane order ``SXTB16`` gives, so no lane shuffles are needed; any term
  order is the same dot product.
* The input offset is folded into the bias (``bias + in_offset * sum(w)`` over all
  taps). A window crossing the border is copied into a small staging buffer with the
  raw input zero point in its outside taps (they contribute ``(zp - zp) * w = 0``) and
  read by the same code: interior and border pixels run the same arithmetic.
* The multiply-accumulate block is inline assembly on the board (GCC spills and
  interleaves one load per ``SMLAD`` from C): per 4 window values 4 ``LDRD`` and
  8 ``SMLAD`` for 16 MACs, unrolled with ``.rept`` (``--optimize size``: a 4-group
  loop). On the host, where the tests check it bit for bit, the same layout runs as C
  (``tv_arm.h`` emulates each instruction).
* Requantization and the activation clamp are the 1x1 kernels' (:mod:`.pointwise`:
  ``tv_requant_fast`` and ``SSAT`` when every channel fits the fast form), one asm block
  per 4 outputs taking the accumulators in r0-r3. Under an activation that clamps at or
  above the output zero point (ReLU, ReLU6) the rounding's negative-accumulator term is
  dropped (``tv_requant_fast_clamped_words``: same int8) and the bias goes into the
  64-bit rounding constant (``k + bias * m``), so the accumulators start from ``SMUAD``.
* Up to ``UNROLL_PAIRS`` channel pairs are unrolled (constant record and output offsets).

Grouped convolutions and windows of more than ``MAX_GROUPS`` words keep the portable
kernel; 1x1 filters are :mod:`.pointwise`'s; stride-1 3x3 filters over a multiple of 4
channels are :mod:`.winograd`'s in ``--optimize speed``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tinyvid.codegen.fast.pointwise import Gemm, _records, _requant_lines, fold_bias
from tinyvid.codegen.fast.requant import fast_requant
from tinyvid.codegen.overlap import window_overlap
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import window_operands, window_params

TARGETS = ("dsp",)
OPCODES = ("CONV_2D",)
PRIORITY = 200  # after pointwise (1x1), which is tried first

#: largest window in words of 4 values: the two pixels' int16 buffer is 16 bytes per word on the stack (4 KB)
MAX_GROUPS = 256
#: channel pairs up to which the channel loop is unrolled
UNROLL_PAIRS = 8


@dataclass(frozen=True)
class Window:
    """Where each of a layer's window words comes from (the same for every output pixel)."""

    words: list  # per word: ("word", segment, offset) or ("pack", [(segment, offset, nbytes), ...])
    segments: int
    seg_len: int  # bytes of input per segment
    stage_len: int  # bytes per segment in the staging buffer (a multiple of 4)

    @property
    def groups(self) -> int:
        return len(self.words)

    def slots(self) -> list:
        """(segment, byte offset) of each of the 4 * groups values, None where the weight is zero."""
        out = []
        for word in self.words:
            if word[0] == "word":
                _, s, off = word
                out += [(s, off + t) if off + t < self.seg_len else None for t in range(4)]
            else:
                cells = [(s, off + t) for s, off, n in word[1] for t in range(n)]
                out += cells + [None] * (4 - len(cells))
        return out


def window_layout(segments: int, seg_len: int) -> Window:
    words: list = []
    full, rem = divmod(seg_len, 4)
    if rem == 3:  # one over-read byte is cheaper than three byte loads
        full, rem = full + 1, 0
    for s in range(segments):
        words += [("word", s, 4 * i) for i in range(full)]
    if rem:
        per_word = 4 // rem
        pieces = [(s, 4 * full, rem) for s in range(segments)]
        words += [("pack", pieces[i:i + per_word]) for i in range(0, len(pieces), per_word)]
    return Window(words, segments, seg_len, -(-seg_len // 4) * 4)


def specialise(ctx, call):
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    if len(w.shape) != 4:
        return None
    _, kh, kw, kc = (int(d) for d in w.shape)
    if kh * kw == 1 or kc != c:
        return None
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 0, ("k_c", kc))
    p = dict(params)
    dil_w = p["dil_w"]
    win = window_layout(kh, kw * c) if dil_w == 1 else window_layout(kh * kw, c)
    if win.groups > MAX_GROUPS:
        return None
    filt = w.data.reshape(oc, kh, kw, c).astype(np.int8)
    weights = np.zeros((oc, 4 * win.groups), np.int8)
    for i, slot in enumerate(win.slots()):
        if slot is not None:
            s, off = slot
            ky, kx, ic = (s, off // c, off % c) if dil_w == 1 else (s // kw, s % kw, off)
            weights[:, i] = filt[:, ky, kx, ic]
    gemm = Gemm(
        name=f"{ctx.prefix}_op{ctx.op.index}_conv",
        weights=weights,
        bias=fold_bias(None if b is None else b.data.reshape(-1), filt.reshape(oc, -1), p["in_offset"]),
        mult=mult, shift=shift, out_zero_point=p["out_offset"], act_min=p["act_min"], act_max=p["act_max"],
        pixels=oh * ow,
    )
    zero_point = -p["in_offset"]
    code = _Generator(ctx, gemm, win, p, zero_point).code()
    size = ctx.codegen_options.get("optimize", "speed") == "size"
    if ctx.epilogue is not None:  # an ADD finished here, over its residual (tinyvid.codegen.fuse)
        e = ctx.epilogue
        return KernelCall(("arm", "conv_dsp"), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=e.code + "\n" + code,
                          variant=("dsp-conv-size" if size else "dsp-conv") + "+add", alias=(y.index, e.residual),
                          fused_op=e.add_index)
    # pixel pairs in row-major order, both windows read into xbuf before either is written
    return KernelCall(("arm", "conv_dsp"), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=code,
                      variant="dsp-conv-size" if size else "dsp-conv", overlap=window_overlap(x.index, params, block=2))


def packed_weights(weights: np.ndarray) -> np.ndarray:
    """int16 weights as int32 words per channel pair and group of 4: [c0 02, c0 13, c1 02, c1 13]
    (an odd last channel is paired with a zero channel)."""
    oc, k = weights.shape
    groups = k // 4
    w = np.zeros((oc + oc % 2, k), np.int64)
    w[:oc] = weights
    q = w.reshape(-1, groups, 4)
    words = ((q[:, :, [2, 3]] & 0xFFFF) << 16) | (q[:, :, [0, 1]] & 0xFFFF)  # [ch, groups, 2]
    out = words.reshape(-1, 2, groups, 2).transpose(0, 2, 1, 3).reshape(-1)
    return ((out + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)


def paired_weights(weights: np.ndarray) -> np.ndarray:
    """int8 weights per channel pair and group of 4: [c0 0123, c1 0123] (``--optimize size``)."""
    oc, k = weights.shape
    w = np.zeros((oc + oc % 2, k), np.int8)
    w[:oc] = weights
    return w.reshape(-1, 2, k // 4, 4).transpose(0, 2, 1, 3).reshape(-1).copy()


class _Generator:
    def __init__(self, ctx, g: Gemm, win: Window, p: dict, zero_point: int):
        self.ctx, self.g, self.win, self.p, self.zp = ctx, g, win, p, zero_point
        self.P = ctx.prefix
        self.size = ctx.codegen_options.get("optimize", "speed") == "size"

    # --- the window ---------------------------------------------------------------
    def _interior(self) -> tuple[int, int, int, int]:
        """[oy0, oy1) x [ox0, ox1): output pixels whose whole window is inside the input (and read in bounds)."""
        p = self.p

        def inside(o, stride, pad, dil, k, size):
            first = o * stride - pad
            return first >= 0 and first + (k - 1) * dil <= size - 1

        ys = [o for o in range(p["out_h"]) if inside(o, p["stride_h"], p["pad_h"], p["dil_h"], p["k_h"], p["in_h"])]
        xs = [o for o in range(p["out_w"]) if inside(o, p["stride_w"], p["pad_w"], p["dil_w"], p["k_w"], p["in_w"])]
        if not ys or not xs:
            return 0, 0, 0, 0
        oy0, oy1, ox0, ox1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
        # a segment of 4n + 3 bytes is read as whole words, one byte past its end:
        # keep the last interior window inside the tensor
        over = max([word[2] + 4 - self.win.seg_len for word in self.win.words if word[0] == "word"] + [0])
        if over:
            c, size = p["in_c"], p["in_h"] * p["in_w"] * p["in_c"]
            while oy1 > oy0:
                y_last = (oy1 - 1) * p["stride_h"] - p["pad_h"] + (p["k_h"] - 1) * p["dil_h"]
                x_last = (ox1 - 1) * p["stride_w"] - p["pad_w"] + (p["k_w"] - 1) * p["dil_w"]
                if (y_last * p["in_w"] + x_last) * c + c + over <= size:
                    break
                oy1 -= 1
        return oy0, oy1, ox0, ox1

    def _seg_offset(self, s: int, interior: bool) -> int:
        p, win = self.p, self.win
        if not interior:
            return s * win.stage_len
        row = p["in_w"] * p["in_c"]
        if p["dil_w"] == 1:
            return s * p["dil_h"] * row
        ky, kx = divmod(s, p["k_w"])
        return ky * p["dil_h"] * row + kx * p["dil_w"] * p["in_c"]

    def _words(self, interior: bool) -> list[str]:
        """Widen the window at ``src`` into ``dst`` (words 4g and 4g + 1 of each group g)."""
        P, out = self.P, []
        for g, word in enumerate(self.win.words):
            if word[0] == "word":
                _, s, off = word
                value = f"{P}_read_u32(src + {self._seg_offset(s, interior) + off})"
            else:
                parts, shift = [], 0
                for s, off, nbytes in word[1]:
                    for t in range(nbytes):
                        byte = f"(uint32_t)(uint8_t)src[{self._seg_offset(s, interior) + off + t}]"
                        parts.append(byte if shift == 0 else f"({byte} << {shift})")
                        shift += 8
                value = " | ".join(parts)
            out.append(f"{{ const uint32_t v = {value}; dst[{4 * g}] = {P}_sxtb16(v); dst[{4 * g + 1}] = {P}_sxtb16_ror8(v); }}")
        return out

    # --- the multiply-accumulate block ----------------------------------------------
    def _asm_block(self, from_zero: bool = False) -> list[str]:
        """``from_zero``: the accumulators start at 0 (the first group's SMLADs are SMUADs)."""
        groups = self.win.groups
        # both pixels' words with one LDM (xa, xb, ya, yb in r8-r11, ascending as LDM needs)
        if not self.size:  # int16 weights: per group 1 LDM + 2 LDRD + 8 SMLAD
            body = [
                "ldm %[x]!, {%[xa], %[xb], %[ya], %[yb]}",
                "ldrd %[wa], %[wb], [%[w]], #8",
                "smlad %[a00], %[wa], %[xa], %[a00]",
                "smlad %[a00], %[wb], %[xb], %[a00]",
                "smlad %[a01], %[wa], %[ya], %[a01]",
                "smlad %[a01], %[wb], %[yb], %[a01]",
                "ldrd %[wa], %[wb], [%[w]], #8",
                "smlad %[a10], %[wa], %[xa], %[a10]",
                "smlad %[a10], %[wb], %[xb], %[a10]",
                "smlad %[a11], %[wa], %[ya], %[a11]",
                "smlad %[a11], %[wb], %[yb], %[a11]",
            ]
        else:  # int8 weights widened here: per group 1 LDM + 2 LDR + 4 SXTB16 + 8 SMLAD
            body = [
                "ldm %[x]!, {%[xa], %[xb], %[ya], %[yb]}",
                "ldr %[wa], [%[w]], #4",
                "sxtb16 %[wb], %[wa], ror #8",
                "sxtb16 %[wa], %[wa]",
                "smlad %[a00], %[wa], %[xa], %[a00]",
                "smlad %[a00], %[wb], %[xb], %[a00]",
                "smlad %[a01], %[wa], %[ya], %[a01]",
                "smlad %[a01], %[wb], %[yb], %[a01]",
                "ldr %[wa], [%[w]], #4",
                "sxtb16 %[wb], %[wa], ror #8",
                "sxtb16 %[wa], %[wa]",
                "smlad %[a10], %[wa], %[xa], %[a10]",
                "smlad %[a10], %[wb], %[xb], %[a10]",
                "smlad %[a11], %[wa], %[ya], %[a11]",
                "smlad %[a11], %[wb], %[yb], %[a11]",
            ]
        asm: list[str] = []
        if from_zero:
            first, seen = [], set()
            for line in body:
                acc = line.split()[1].rstrip(",") if line.startswith("smlad") else None
                if acc is not None and acc not in seen:
                    seen.add(acc)
                    line = line.replace("smlad", "smuad").rsplit(",", 1)[0]
                first.append(line)
            asm += first
            groups -= 1
        unroll = max(1, min(groups, 4 if self.size else 16))
        loops, rest = divmod(groups, unroll)
        # written out, not .rept: GCC sizes an asm statement by its lines, and places its literal
        # pools out of reach of the code after a block it underestimates
        if loops > 1:
            asm += ["1:", *body * unroll, "subs %[n], %[n], #1", "bne 1b"]
        else:
            rest += unroll * loops
        asm += body * rest
        text = "".join(f'            "{line}\\n\\t"\n' for line in asm)
        count = [f"            int32_t n = {loops};"] if loops > 1 else []
        acc = "=&r" if from_zero else "+r"
        outs = (f"[a00] \"{acc}\"(a00), [a01] \"{acc}\"(a01), [a10] \"{acc}\"(a10), [a11] \"{acc}\"(a11), "
                "[x] \"+r\"(xp), [w] \"+r\"(wp)")
        if loops > 1:
            outs += ", [n] \"+r\"(n)"
        outs += (", [xa] \"=&r\"(xa), [xb] \"=&r\"(xb), [ya] \"=&r\"(ya), [yb] \"=&r\"(yb), [wa] \"=&r\"(wa), "
                 "[wb] \"=&r\"(wb)")
        return [
            "        {",
            '            register uint32_t xa __asm__("r8"), xb __asm__("r9"), ya __asm__("r10"), yb __asm__("r11");',
            "            uint32_t wa, wb;",
            *count,
            "            __asm__ volatile(",
            text.rstrip("\n"),
            f"                : {outs}",
            "                :",
            "                : \"cc\", \"memory\");",
            "        }",
        ]

    def _c_block(self) -> list[str]:
        P = self.P
        if self.size:
            weights = [f"const uint32_t r0 = {P}_read_u32(wp), r1 = {P}_read_u32(wp + 4);",
                       f"const uint32_t w0 = {P}_sxtb16(r0), w1 = {P}_sxtb16_ror8(r0), "
                       f"w2 = {P}_sxtb16(r1), w3 = {P}_sxtb16_ror8(r1);"]
            step = "wp += 8"
        else:
            weights = ["const uint32_t w0 = wp[0], w1 = wp[1], w2 = wp[2], w3 = wp[3];"]
            step = "wp += 4"
        return [
            "        {",
            "            int32_t g;",
            f"            for (g = 0; g < {self.win.groups}; ++g, xp += 4, {step}) {{",
            *("                " + s for s in weights),
            f"                a00 = {P}_smlad(w0, xp[0], a00); a00 = {P}_smlad(w1, xp[1], a00);",
            f"                a01 = {P}_smlad(w0, xp[2], a01); a01 = {P}_smlad(w1, xp[3], a01);",
            f"                a10 = {P}_smlad(w2, xp[0], a10); a10 = {P}_smlad(w3, xp[1], a10);",
            f"                a11 = {P}_smlad(w2, xp[2], a11); a11 = {P}_smlad(w3, xp[3], a11);",
            "            }",
            "        }",
        ]

    def _requant(self, is_fast: bool, extra: list, words: int) -> tuple[list[str], list[str]]:
        """(definitions, statements): the statements turn a00, a01 (channel record q) and a10, a11
        (record q + words) into the int8 outputs, still in the int32 variables."""
        P, g, name, U = self.P, self.g, self.g.name, self.P.upper()
        clamp = []
        for v in ("a00", "a01", "a10", "a11"):
            if g.act_min > -128:
                clamp.append(f"{v} = {v} < {g.act_min} ? {g.act_min} : {v};")
            if g.act_max < 127:
                clamp.append(f"{v} = {v} > {g.act_max} ? {g.act_max} : {v};")
        if not is_fast:
            defs = [f"static inline int32_t {name}_out(int32_t acc, const int32_t *q)", "{",
                    *_requant_lines(P, g, is_fast, *extra)[:-1], "    return v;", "}", ""]
            body = [f"a00 = {name}_out(a00, q); a01 = {name}_out(a01, q);",
                    f"a10 = {name}_out(a10, q + {words}); a11 = {name}_out(a11, q + {words});"]
            return defs, body
        zp_after = int(extra[0]) if extra else 0
        # an activation clamping at or above the zero point makes the negative-accumulator term
        # of the rounding irrelevant (tv_requant_fast_clamped_words): 4 instead of 6 per output
        clamped = g.act_min >= g.out_zero_point
        rq = "requant_fast_clamped_words" if clamped else "requant_fast_words"
        # the 1x1 kernels' form for the 4 outputs as one asm block: per channel LDR m, LDR shift,
        # per output LDRD k, SMLAL, LSR, SMLAL, ASR, SSAT; from C, GCC interleaves the channels and
        # spills the constants (measured on the vww first layer: about 55 instead of 32 instructions)
        asm = []
        for c, accs in ((0, ("a00", "a01")), (1, ("a10", "a11"))):
            base = 4 * words * c
            asm += [f"ldr %[m], [%[q], #{base + 4}]", f"ldr %[s], [%[q], #{base + 16}]"]
            for a in accs:
                asm += [f"ldrd %[lo], %[hi], [%[q], #{base + 8}]", f"smlal %[lo], %[hi], %[{a}], %[m]"]
                if not clamped:
                    asm += [f"lsr %[t], %[{a}], #31", "smlal %[lo], %[hi], %[t], %[c]"]
                asm += [f"asr %[{a}], %[hi], %[s]"]
                if zp_after:
                    asm.append(f"add %[{a}], %[{a}], #{zp_after}" if zp_after > 0 else f"sub %[{a}], %[{a}], #{-zp_after}")
                asm.append(f"ssat %[{a}], #8, %[{a}]")
        text = [f'        "{line}\\n\\t"' for line in asm]
        plus = f" + {zp_after}" if zp_after else ""
        c_path = []
        for a, c in (("a00", 0), ("a01", 0), ("a10", words), ("a11", words)):
            args = ", ".join(f"q[{c + i}]" for i in range(1, 5))
            c_path.append(f"{a} = {P}_ssat8({P}_{rq}({a}, {args}){plus});")
        defs = []
        body = [
            f"#if {U}_ARM_ASM",
            "{",
            "    uint32_t m, s, lo, hi;" if clamped else "    uint32_t m, s, lo, hi, t;",
            "    __asm__(",
            *text,
            "        : [a00] \"+r\"(a00), [a01] \"+r\"(a01), [a10] \"+r\"(a10), [a11] \"+r\"(a11), [m] \"=&r\"(m), "
            "[s] \"=&r\"(s), [lo] \"=&r\"(lo), [hi] \"=&r\"(hi)" + ("" if clamped else ", [t] \"=&r\"(t)"),
            "        : [q] \"r\"(q)" + ("" if clamped else ", [c] \"r\"(INT32_MIN)"),
            "        : \"memory\");",
            "}",
            "#else",
            *c_path,
            "#endif",
        ]
        return defs, body + clamp

    def _folded_records(self, g: Gemm) -> str | None:
        """The per-channel records [bias', m, k' low, k' high, shift - 32] with k' = k + bias' * m,
        so that the accumulators start from 0 (no bias loads and moves per block): only when the
        activation clamps at or above the zero point (the rounding then ignores the accumulator's
        sign, tv_requant_fast_clamped_words), k' fits int64 and bias' + the window sum cannot leave
        int32 (where TFLM's int32 accumulator would wrap)."""
        if g.act_min < g.out_zero_point:
            return None
        fast = fast_requant(g.mult, g.shift, g.out_zero_point) or \
            fast_requant(g.mult, g.shift, g.out_zero_point, zero_point_in_k=False)
        if fast is None:
            return None
        w = self.g.weights.astype(np.int64)
        reach = np.abs(np.append(w, w[-1:], axis=0)[: len(g.bias)]).sum(axis=1) * 128
        bias = g.bias.astype(np.int64)
        if np.any(np.abs(bias) + reach >= 2**31):
            return None
        k = [int(kk) + int(b) * int(m) for kk, b, m in zip(fast.k, bias, fast.m)]
        if any(abs(v) >= 2**63 for v in k):
            return None
        u = np.array([v % 2**64 for v in k], np.uint64)
        lo = (u & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32)
        hi = (u >> np.uint64(32)).astype(np.uint32).view(np.int32)
        rec = np.stack([g.bias, fast.m, lo, hi, fast.sh - 32], axis=1).astype(np.int32)
        self._zp_after = fast.zero_point
        return self.ctx.op_const("conv_q", rec.reshape(-1))

    # --- the layer ------------------------------------------------------------------
    def code(self) -> str:
        ctx, g, win, p, P = self.ctx, self.g, self.win, self.p, self.P
        name, groups = g.name, win.groups
        oc = g.channels
        pairs = -(-oc // 2)
        even = (lambda a: np.append(a, a[-1:])[: 2 * pairs])  # an odd last channel pairs with a copy of itself
        eg = replace(g, bias=even(g.bias), mult=even(g.mult), shift=even(g.shift))
        folded = self._folded_records(eg)
        if folded is not None:  # bias in k, accumulators from 0
            q, is_fast, extra = folded, True, [self._zp_after]
        else:  # the 1x1 kernels' records and requantization lines (whatever extra values they carry)
            q, is_fast, *extra = _records(ctx, eg)
        words = 5 if is_fast else 3
        ep = ctx.epilogue.fn if ctx.epilogue is not None else None
        st = (lambda o, v: f"{o} = {ep}({v}, {o});") if ep else (lambda o, v: f"{o} = (int8_t){v};")
        rq_defs, rq_body = self._requant(is_fast, extra, words)
        if self.size:
            wname, wtype, wstep = ctx.op_const("conv_w8", paired_weights(g.weights)), "int8_t", 8 * groups
        else:
            wname, wtype, wstep = ctx.op_const("conv_w16", packed_weights(g.weights)), "uint32_t", 4 * groups
        oy0, oy1, ox0, ox1 = self._interior()
        dil1 = p["dil_w"] == 1
        stage_y = win.stage_len if dil1 else p["k_w"] * win.stage_len
        stage_x = p["in_c"] if dil1 else win.stage_len
        stage_words = win.segments * win.stage_len // 4
        in_img = p["in_h"] * p["in_w"] * p["in_c"]
        out_img = p["out_h"] * p["out_w"] * oc
        npix = p["out_h"] * p["out_w"]
        U = P.upper()
        lines = [
            f"/* CONV_2D {p['k_h']}x{p['k_w']} stride {p['stride_h']}x{p['stride_w']} dilation {p['dil_h']}x{p['dil_w']}: "
            f"{p['in_h']}x{p['in_w']}x{p['in_c']} -> {p['out_h']}x{p['out_w']}x{oc}, window of {groups} words "
            f"({win.segments} segments of {win.seg_len} bytes), 2 channels x 2 pixels */",
            f"static const {P}_conv_dsp_window_t {name}_win = {{{p['in_h']}, {p['in_w']}, {p['in_c']}, {p['k_h']}, {p['k_w']}, "
            f"{p['dil_h']}, {p['dil_w']}, {stage_y}, {stage_x}, {self.zp}}};",
            "",
            *rq_defs,
            "/* the widened window of output pixel (oy, ox) into dst[4g], dst[4g + 1] for each word g */",
            "#if defined(__GNUC__)",  # inlined into both calls: about 10 instructions fewer per pixel
            "__attribute__((always_inline))",
            "#endif",
            f"static inline void {name}_fill(const int8_t *in, int32_t oy, int32_t ox, uint32_t *stage, uint32_t *dst)",
            "{",
            f"    const int32_t y0 = oy * {p['stride_h']} - {p['pad_h']}, x0 = ox * {p['stride_w']} - {p['pad_w']};",
            f"    if (oy >= {oy0} && oy < {oy1} && ox >= {ox0} && ox < {ox1}) {{",
            f"        const int8_t *src = in + (y0 * {p['in_w']} + x0) * {p['in_c']};",
            *("        " + s for s in self._words(True)),
            "    } else {",
            f"        const int8_t *src = (const int8_t *)stage;",
            f"        {P}_conv_dsp_gather(&{name}_win, in, y0, x0, (int8_t *)stage);",
            *("        " + s for s in self._words(False)),
            "    }",
            "}",
            "",
            f"static void {name}(const int8_t *in, int8_t *out)",
            "{",
            f"    uint32_t xbuf[{4 * groups}];",
            f"    uint32_t stage[{stage_words}];",
            f"    int8_t sink[{2 * pairs}]{' = {0}' if self.ctx.epilogue is not None else ''};",
            "    int32_t b;",
            "    memset(stage, 0, sizeof stage);",
            f"    for (b = 0; b < {p['batches']}; ++b) {{",
            f"        const int8_t *img = in + b * {in_img};",
            "        int32_t pix, oy = 0, ox = 0;",
            f"        for (pix = 0; pix < {npix}; pix += 2) {{",
            f"            int8_t *o0 = out + b * {out_img} + pix * {oc}, *o1;",
            "            int32_t oy1 = oy, ox1 = ox + 1;",
            f"            const {wtype} *wp = (const {wtype} *){wname};",
            f"            const int32_t *qb = {q};",
            f"            if (ox1 == {p['out_w']}) {{ ox1 = 0; ++oy1; }}",
            f"            if (pix + 1 < {npix}) {{ o1 = o0 + {oc}; }} else {{ oy1 = oy; ox1 = ox; o1 = sink; }}",
            f"            {name}_fill(img, oy, ox, stage, xbuf);",
            f"            {name}_fill(img, oy1, ox1, stage, xbuf + 2);",
        ]
        # up to UNROLL_PAIRS channel pairs are unrolled (constant record and output offsets, no
        # loop counter: about 12 instructions fewer per pair on the vww first layer)
        unrolled = pairs <= UNROLL_PAIRS
        if not unrolled:
            lines += ["            int32_t cp;", f"            for (cp = 0; cp < {pairs}; ++cp) {{"]
        for cp in range(pairs if unrolled else 1):
            at = (lambda k: f"{2 * cp + k}") if unrolled else (lambda k: f"2 * cp + {k}" if k else "2 * cp")
            rec = f"qb + {2 * words * cp}" if unrolled else f"qb + cp * {2 * words}"
            block = [
                "{",
                f"    const int32_t *q = {rec};",
                "    const uint32_t *xp = xbuf;",
                f"#if {U}_ARM_ASM",
                "    /* in the registers the requantization block takes them from (else GCC adds MOVs) */",
                *([f'    register int32_t a00 __asm__("r0"), a01 __asm__("r1"), a10 __asm__("r2"), a11 __asm__("r3");']
                  if folded else
                  [f'    register int32_t a00 __asm__("r0") = q[0], a01 __asm__("r1") = q[0];',
                   f'    register int32_t a10 __asm__("r2") = q[{words}], a11 __asm__("r3") = q[{words}];']),
                *self._asm_block(from_zero=folded is not None),
                "#else",
                "    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;" if folded else
                f"    int32_t a00 = q[0], a01 = q[0], a10 = q[{words}], a11 = q[{words}];",
                *self._c_block(),
                "#endif",
                *rq_body,
                "    " + st(f"o0[{at(0)}]", "a00"),
                "    " + st(f"o1[{at(0)}]", "a01"),
            ]
            second = st(f"o0[{at(1)}]", "a10") + " " + st(f"o1[{at(1)}]", "a11")
            last = (cp == pairs - 1) if unrolled else None
            if oc % 2 and unrolled and last:
                pass  # the copy of the last channel is not stored
            elif oc % 2 and not unrolled:
                block.append(f"    if (cp + 1 < {pairs}) {{ {second} }}")
            else:
                block.append("    " + second)
            block.append("}")
            lines += [("                " if not unrolled else "            ") + t if not t.startswith("#") else t for t in block]
        if not unrolled:
            lines.append("            }")
        lines += [
            f"            ox = ox1 + 1; oy = oy1;",
            f"            if (ox == {p['out_w']}) {{ ox = 0; ++oy; }}",
            "        }",
            "    }",
            "}",
            "",
        ]
        return "\n".join(lines)
