"""CONV_2D with a 1x1 filter on the DSP target: a register-blocked int8 GEMM generated per layer.

``out[p][c] = requant(bias'[c] + sum_k w[c][k] * x[p][k])`` over the output pixels ``p``
(stride 1: the whole tensor is one matrix; a stride gathers every ``stride``-th pixel).

* The input offset is folded into the bias at generation time:
  ``bias' = bias + in_offset * sum_k w[c][k]`` (the same int32 for any order of terms).
* Weights are widened to int16 at generation time and stored as packed words in the
  lane order that ``SXTB16`` / ``SXTB16 ROR #8`` give for 4 packed int8 inputs
  (``[x0, x2]``, ``[x1, x3]``): a dot product does not care about term order when both
  operands use the same one, so each word pair feeds two ``SMLAD`` with no repacking.
  With ``--optimize size`` the int8 weights stay as they are in flash and are widened
  at run time with the same two instructions.
* The inputs of a pixel pair are widened once into a small stack buffer and reused by
  every channel pair; the inner block is 2 output channels x 2 pixels (4 accumulators,
  8 ``SMLAD`` per 4 k), ``K`` fully unrolled with constant offsets. Odd channel counts,
  odd pixel counts and ``K`` not a multiple of 4 (zero weights pad the last group)
  take smaller blocks of the same code.
* Requantization is ``tv_requant_fast`` (:mod:`tinyvid.codegen.fast.requant`) and
  ``SSAT #8``, plus a clamp for a narrower activation range; a layer with a channel
  outside the fast form takes TFLite's general form for every channel.

:func:`gemm_code` is shared with FULLY_CONNECTED (:mod:`.fully_connected`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.codegen.fast.requant import fast_requant
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import window_operands, window_params
from tinyvid.codegen.overlap import window_overlap

TARGETS = ("dsp",)
OPCODES = ("CONV_2D",)
PRIORITY = 50

#: words of the per-channel record: fast (bias', m, k low, k high, shift - 32), general (bias', mult, shift)
_FAST_WORDS, _GENERAL_WORDS = 5, 3


@dataclass(frozen=True)
class Gemm:
    """One int8 GEMM ``out[p][c]`` over ``pixels`` output pixels of ``k`` inputs and ``channels`` outputs."""

    name: str  # C function name
    weights: np.ndarray  # int8 [channels, k]
    bias: np.ndarray  # int32 [channels], input offset folded in
    mult: np.ndarray  # int32 [channels]
    shift: np.ndarray  # int32 [channels]
    out_zero_point: int
    act_min: int
    act_max: int
    pixels: int  # output pixels (batches x rows x columns)
    # input addressing: pixel p reads in + pixel_offset(p); stride 1 is p * k
    out_w: int = 0  # 0: contiguous pixels
    out_h: int = 0
    in_w: int = 0
    in_h: int = 0
    stride_h: int = 1
    stride_w: int = 1

    @property
    def k(self) -> int:
        return int(self.weights.shape[1])

    @property
    def channels(self) -> int:
        return int(self.weights.shape[0])


def fold_bias(bias: np.ndarray | None, weights: np.ndarray, in_offset: int) -> np.ndarray:
    """bias + in_offset * sum_k w (int32 wrap-around, as the kernel's accumulator)."""
    b = np.zeros(weights.shape[0], np.int64) if bias is None else np.asarray(bias, np.int64)
    folded = b + int(in_offset) * weights.astype(np.int64).sum(axis=1)
    return ((folded + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)


def specialise(ctx, call):
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    if len(w.shape) != 4 or tuple(w.shape[1:3]) != (1, 1) or int(w.shape[3]) != c:
        return None
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (1, 1), 0, ("k_c", c))
    p = dict(params)
    if p["pad_h"] or p["pad_w"]:
        return None
    weights = w.data.reshape(oc, c).astype(np.int8)
    gemm = Gemm(
        name=f"{ctx.prefix}_op{ctx.op.index}_pointwise",
        weights=weights,
        bias=fold_bias(None if b is None else b.data.reshape(-1), weights, p["in_offset"]),
        mult=mult, shift=shift, out_zero_point=p["out_offset"], act_min=p["act_min"], act_max=p["act_max"],
        pixels=n * oh * ow,
        **({} if (p["stride_h"], p["stride_w"]) == (1, 1) else
           dict(out_w=ow, out_h=oh, in_w=wd, in_h=h, stride_h=p["stride_h"], stride_w=p["stride_w"])),
    )
    e = ctx.epilogue
    code, variant = gemm_code(ctx, gemm, w, epilogue=None if e is None else e.fn)
    if e is not None:  # an ADD finished here, over its residual (tinyvid.codegen.fuse)
        return KernelCall(("arm",), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=e.code + "\n" + code,
                          variant=variant + "+add", alias=(y.index, e.residual), fused_op=e.add_index)
    # pixel pairs in row-major order, both widened into a stack buffer before either is written
    return KernelCall(("arm",), f"{gemm.name}(@T{x.index}@, @T{y.index}@);", code=code, variant=variant,
                      overlap=window_overlap(x.index, params, block=2))


# --- the generator ------------------------------------------------------------------


def _records(ctx, g: Gemm) -> tuple[str, bool, int]:
    """The per-channel constant array (bias' and requantization), whether it is the fast form
    and the zero point the fast form adds after its shift."""
    fast = fast_requant(g.mult, g.shift, g.out_zero_point) or \
        fast_requant(g.mult, g.shift, g.out_zero_point, zero_point_in_k=False)
    if fast is not None:
        lo, hi = fast.k_words()
        rec = np.stack([g.bias, fast.m, lo, hi, fast.sh - 32], axis=1).astype(np.int32)
    else:
        rec = np.stack([g.bias, g.mult, g.shift], axis=1).astype(np.int32)
    return ctx.op_const("gemm_q", rec.reshape(-1)), fast is not None, fast.zero_point if fast is not None else 0


def _packed_weights(w: np.ndarray) -> np.ndarray:
    """int16 weights as int32 words, per channel pair and group of 4 k: [c0 02, c0 13, c1 02, c1 13];
    an odd last channel follows with [c 02, c 13] per group. Missing k are zero."""
    oc, k = w.shape
    groups = -(-k // 4)
    padded = np.zeros((oc, groups * 4), np.int64)
    padded[:, :k] = w
    q = padded.reshape(oc, groups, 4)
    lo = np.stack([q[:, :, 0], q[:, :, 1]], axis=2)  # lanes 0 of the [02] and [13] words
    hi = np.stack([q[:, :, 2], q[:, :, 3]], axis=2)
    words = ((hi & 0xFFFF) << 16) | (lo & 0xFFFF)  # [oc, groups, 2]
    pairs = words[: oc - oc % 2].reshape(oc // 2, 2, groups, 2).transpose(0, 2, 1, 3).reshape(-1)
    last = words[oc - 1].reshape(-1) if oc % 2 else np.zeros(0, np.int64)
    out = np.concatenate([pairs, last])
    return ((out + (1 << 31)) % (1 << 32) - (1 << 31)).astype(np.int32)


def gemm_code(ctx, g: Gemm, weight_tensor=None, epilogue: str | None = None) -> tuple[str, str]:
    """C of ``static void <name>(const int8_t *in, int8_t *out)`` and the variant name.
    ``epilogue``: ``out[i] = epilogue(result, out[i])`` instead of ``out[i] = result``
    (a fused ADD, :mod:`tinyvid.codegen.fuse`)."""
    st = (lambda o, v: f"{o} = {epilogue}({v}, {o});") if epilogue else (lambda o, v: f"{o} = {v};")
    P = ctx.prefix
    size = ctx.codegen_options.get("optimize", "speed") == "size"
    q, is_fast, zp_after = _records(ctx, g)
    words = _FAST_WORDS if is_fast else _GENERAL_WORDS
    k, oc = g.k, g.channels
    groups = -(-k // 4)
    if size:
        wname = ctx.ptr(weight_tensor) if weight_tensor is not None else ctx.op_const("gemm_w8", g.weights.reshape(-1))
    else:
        wname = ctx.op_const("gemm_w16", _packed_weights(g.weights))
    e = _Emitter(P, k, groups, size)
    lines = [
        f"/* 1x1 GEMM: {g.pixels} pixels x {k} -> {oc} ({'int8 weights widened at run time' if size else 'int16 weights'}, "
        f"{'fast' if is_fast else 'general'} requantization) */",
        f"static inline int8_t {g.name}_out(int32_t acc, const int32_t *q)",
        "{",
        *_requant_lines(P, g, is_fast, zp_after),
        "}",
        "",
        *(_split_requant_lines(P, g, zp_after) if is_fast else []),
        f"static void {g.name}(const int8_t *in, int8_t *out)",
        "{",
        f"    uint32_t xb[{4 * groups}];",
        "    int32_t p;",
        *(["    int32_t c;"] if oc >= 2 else []),
    ]
    wtype = "const int32_t *" if not size else "const int8_t *"

    def channel_loop(npx: int) -> list[str]:
        body = [
            f"        {wtype}w = {wname};",
            f"        const int32_t *r = {q};",
            f"        int8_t *o = out + p * {oc};",
        ]
        if oc >= 2:
            body += [f"        for (c = 0; c < {oc // 2}; ++c) {{"]
            body += ["            " + s for s in e.block(2, npx, ("r[0]", f"r[{words}]"))]
            body += ["            " + s for s in outputs(2, npx)]
            body += [f"            r += {2 * words};", "            o += 2;", "        }"]
        if oc % 2:
            body += ["        {"]
            body += ["            " + s for s in e.block(1, npx, ("r[0]",))]
            body += ["            " + s for s in outputs(1, npx)]
            body += ["        }"]
        return body

    def outputs(nch: int, npx: int) -> list[str]:
        """Requantize and store the block's accumulators a<c><p> (channel c's record at r + c * words)."""
        accs = [(f"a{c}{j}", c, j) for c in range(nch) for j in range(npx)]
        if not is_fast:
            return [st(f"o[{j * oc + c}]", f"{g.name}_out({a}, r + {c * words})") for a, c, j in accs]
        return ([f"#if {P.upper()}_ARM_ASM"] + _requant_asm(accs, words, zp_after) + ["#else"] +
                [f"{a} = {g.name}_rq({a}, r + {c * words});" for a, c, j in accs] + ["#endif"] +
                [st(f"o[{j * oc + c}]", f"{g.name}_act({a})") for a, c, j in accs])

    lines += [f"    for (p = 0; p + 2 <= {g.pixels}; p += 2) {{", "        {",
              f"            const int8_t *x0 = {_pixel(g, 'p')};", f"            const int8_t *x1 = {_pixel(g, 'p + 1')};"]
    lines += ["            " + s for s in e.widen(2)]
    lines += ["        }"] + channel_loop(2) + ["    }"]
    if g.pixels % 2:
        lines += [f"    p = {g.pixels - 1};", "    {", "        {", f"            const int8_t *x0 = {_pixel(g, 'p')};"]
        lines += ["            " + s for s in e.widen(1)]
        lines += ["        }"] + channel_loop(1) + ["    }"]
    lines += ["}", ""]
    return "\n".join(lines), ("dsp-gemm-size" if size else "dsp-gemm")


def _pixel(g: Gemm, p: str) -> str:
    """C expression of the input address of output pixel ``p``."""
    if not g.out_w:
        return f"in + ({p}) * {g.k}"
    img = g.out_h * g.out_w
    return (f"in + (((({p}) / {img}) * {g.in_h} + ((({p}) % {img}) / {g.out_w}) * {g.stride_h}) * {g.in_w}"
            f" + (({p}) % {g.out_w}) * {g.stride_w}) * {g.k}")


def _requant_lines(P: str, g: Gemm, is_fast: bool, zp_after: int) -> list[str]:
    if is_fast:
        plus = f" + {zp_after}" if zp_after else ""
        lines = [f"    int32_t v = {P}_ssat8({P}_requant_fast_words(acc, q[1], q[2], q[3], q[4]){plus});"]
    else:
        lines = [f"    int32_t v = {P}_clamp({P}_mul_by_quantized_mul(acc, q[1], q[2]) + {g.out_zero_point}, -128, 127);"]
    if g.act_min > -128:
        lines.append(f"    v = v < {g.act_min} ? {g.act_min} : v;")
    if g.act_max < 127:
        lines.append(f"    v = v > {g.act_max} ? {g.act_max} : v;")
    return lines + ["    return (int8_t)v;"]


def _split_requant_lines(P: str, g: Gemm, zp_after: int) -> list[str]:
    """``<name>_rq``: the fast requantization and SSAT (what ``_requant_asm`` does on the core);
    ``<name>_act``: the activation's clamp and the int8 result."""
    plus = f" + {zp_after}" if zp_after else ""
    lines = [f"static inline int32_t {g.name}_rq(int32_t acc, const int32_t *q)", "{",
             f"    return {P}_ssat8({P}_requant_fast_words(acc, q[1], q[2], q[3], q[4]){plus});", "}", "",
             f"static inline int8_t {g.name}_act(int32_t v)", "{"]
    if g.act_min > -128:
        lines.append(f"    v = v < {g.act_min} ? {g.act_min} : v;")
    if g.act_max < 127:
        lines.append(f"    v = v > {g.act_max} ? {g.act_max} : v;")
    return lines + ["    return (int8_t)v;", "}", ""]


def _requant_asm(accs: list[tuple[str, int, int]], words: int, zp_after: int) -> list[str]:
    """tv_requant_fast_words + SSAT of every accumulator of a block in one statement: per channel
    its multiplier and shift loaded once, per output LDRD k, SMLAL, LSR, SMLAL, ASR, SSAT
    (GCC's allocation of the C form next to the block: about 14 instructions per output)."""
    text = []
    for c in sorted({c for _, c, _ in accs}):
        base = 4 * words * c
        text += [f"ldr %[m], [%[r], #{base + 4}]", f"ldr %[s], [%[r], #{base + 16}]"]
        for a, cc, _ in accs:
            if cc != c:
                continue
            text += [f"ldrd %[lo], %[hi], [%[r], #{base + 8}]", f"smlal %[lo], %[hi], %[{a}], %[m]",
                     f"lsr %[t], %[{a}], #31", "smlal %[lo], %[hi], %[t], %[c]", f"asr %[{a}], %[hi], %[s]"]
            if zp_after:
                text.append(f"{'add' if zp_after > 0 else 'sub'} %[{a}], %[{a}], #{abs(zp_after)}")
            text.append(f"ssat %[{a}], #8, %[{a}]")
    outs = ", ".join([f'[{a}] "+r"({a})' for a, _, _ in accs] +
                     [f'[{t}] "=&r"({t}_)' for t in ("m", "s", "lo", "hi", "t")])
    return (["{", "    int32_t m_, s_, lo_, hi_, t_;", "    __asm__(", *[f'        "{t}\\n\\t"' for t in text],
             f"        : {outs}", '        : [r] "r"(r), [c] "r"(INT32_MIN)', '        : "memory");', "}"])


class _Emitter:
    """Unrolled C of the widening and the multiply-accumulate blocks of one layer shape."""

    def __init__(self, P: str, k: int, groups: int, size: bool):
        self.P, self.k, self.groups, self.size = P, k, groups, size

    def _tail(self, x: str, g: int) -> tuple[str, str]:
        """The two words of a last group holding fewer than 4 values (missing lanes zero)."""
        P, r, base = self.P, self.k - 4 * g, 4 * g

        def lane(i):
            return f"(int32_t){x}[{base + i}]" if i < r else "0"

        return f"{P}_pack16({lane(0)}, {lane(2)})", f"{P}_pack16({lane(1)}, {lane(3)})"

    def widen(self, npx: int) -> list[str]:
        P, out = self.P, []
        for g in range(self.groups):
            for j in range(npx):
                x = f"x{j}"
                if 4 * g + 4 <= self.k:
                    out += [f"{{ const uint32_t v = {P}_read_u32({x} + {4 * g});",
                            f"  xb[{4 * g + 2 * j}] = {P}_sxtb16(v); xb[{4 * g + 2 * j + 1}] = {P}_sxtb16_ror8(v); }}"]
                else:
                    a, b = self._tail(x, g)
                    out += [f"xb[{4 * g + 2 * j}] = {a};", f"xb[{4 * g + 2 * j + 1}] = {b};"]
        return out

    def _weights(self, nch: int, g: int) -> list[str]:
        P, out = self.P, []
        for c in range(nch):
            if not self.size:
                base = 4 * g + 2 * c if nch == 2 else 2 * g
                out.append(f"const uint32_t wa{c} = (uint32_t)w[{base}], wb{c} = (uint32_t)w[{base + 1}];")
            elif 4 * g + 4 <= self.k:
                out.append(f"const uint32_t wv{c} = {P}_read_u32(w + {c * self.k + 4 * g}); "
                           f"const uint32_t wa{c} = {P}_sxtb16(wv{c}), wb{c} = {P}_sxtb16_ror8(wv{c});")
            else:
                a, b = self._tail(f"(w + {c * self.k})", g)
                out.append(f"const uint32_t wa{c} = {a}, wb{c} = {b};")
        return out

    def block(self, nch: int, npx: int, bias: tuple[str, ...]) -> list[str]:
        """Accumulators a<c><p> = bias'[c] + sum over k of channel c and pixel p; ``w`` moves past
        the block's weights. Speed mode: inline assembly on the board, the same instructions in C
        on the host (GCC schedules the C with one load per SMLAD and spills: measured
        0.80 MAC/instruction on 128 -> 128 against 1.0+ for this block)."""
        out = [f"int32_t a{c}{j} = {bias[c]};" for c in range(nch) for j in range(npx)]
        body = self._c_block(nch, npx)
        if self.size:
            return out + body
        # the accumulators in fixed registers, so that the requantization block takes them where
        # the multiply-accumulate block leaves them (else GCC shuffles them with 4-6 MOVs)
        fixed = [f'register int32_t a{c}{j} __asm__("r{2 * c + j}") = {bias[c]};' for c in range(nch) for j in range(npx)]
        return [f"#if {self.P.upper()}_ARM_ASM"] + fixed + self._asm_block(nch, npx) + ["#else"] + out + body + ["#endif"]

    def _c_block(self, nch: int, npx: int) -> list[str]:
        P, out = self.P, []
        for g in range(self.groups):
            out.append("{")
            out += ["    " + s for s in self._weights(nch, g)]
            for c in range(nch):
                for j in range(npx):
                    out.append(f"    a{c}{j} = {P}_smlad(wa{c}, xb[{4 * g + 2 * j}], a{c}{j});")
                    out.append(f"    a{c}{j} = {P}_smlad(wb{c}, xb[{4 * g + 2 * j + 1}], a{c}{j});")
            out.append("}")
        out.append(f"w += {self.groups * nch * 2 if not self.size else self.k * nch};")
        return out

    #: groups per asm statement: the LDRD offsets of the widened inputs stay within 1020
    _ASM_GROUPS = 63

    def _asm_block(self, nch: int, npx: int) -> list[str]:
        """Per group of 4 k: the channel(s)' weight words with one LDM (post-increment), each pixel's
        two widened input words with LDRD at a constant offset, then the SMLADs."""
        regs = ["r8", "r9", "r10", "r11"][: 2 * nch]
        names = [f"w{'ab'[i % 2]}{i // 2}" for i in range(2 * nch)]  # wa0 wb0 wa1 wb1
        accs = [f"a{c}{j}" for c in range(nch) for j in range(npx)]
        out = ["{"] + [f'    register uint32_t {n} __asm__("{r}");' for n, r in zip(names, regs)]
        out += ["    uint32_t xa, xc;"]
        for start in range(0, self.groups, self._ASM_GROUPS):
            text = []
            for g in range(start, min(self.groups, start + self._ASM_GROUPS)):
                load = "ldrd %[wa0], %[wb0], [%[w]], #8" if nch == 1 else "ldmia %[w]!, {%[wa0], %[wb0], %[wa1], %[wb1]}"
                text.append(load)
                for j in range(npx):
                    text.append(f"ldrd %[xa], %[xc], [%[x], #{16 * (g - start) + 8 * j}]")
                    for c in range(nch):
                        text += [f"smlad %[a{c}{j}], %[wa{c}], %[xa], %[a{c}{j}]", f"smlad %[a{c}{j}], %[wb{c}], %[xc], %[a{c}{j}]"]
            outs = ", ".join([f'[{a}] "+r"({a})' for a in accs] + ['[w] "+r"(w)'] +
                             [f'[{n}] "=&r"({n})' for n in names] + ['[xa] "=&r"(xa)', '[xc] "=&r"(xc)'])
            out += ["    __asm__(", *[f'        "{t}\\n\\t"' for t in text],
                    f"        : {outs}", f'        : [x] "r"(xb + {4 * start})', '        : "memory");']
        return out + ["}"]
