"""CONV_2D on the ``mve`` target (Cortex-M55 Helium): an int8 GEMM of VMLADAVA dot products.

``out[p][c] = requant(bias'[c] + sum_k w[c][k] * x[p][k])`` (``kernels/tv_mve_conv.h``):

* 1x1 filters read the input pixels as the GEMM's rows directly (a stride takes every
  ``stride``-th pixel of every ``stride``-th row, one GEMM per output row); other
  filters gather 4 output pixels' windows at a time into a small static im2col buffer,
  taps outside the image being the raw input zero point.
* The input offset is folded into the bias at generation time (:func:`fold_bias`).
* Weight rows are padded with zeros to a multiple of 16 bytes, so every chunk is a
  whole vector; the GEMM's block is 4 pixels x 1 channel (per 16 k: 1 weight load,
  4 input loads, 4 VMLADAVA = 64 MACs), requantized as one vector (VQRDMULH and a
  rounding shift, exactly TFLM's double rounding) and scattered to the 4 pixels.
* On a Helium core in an optimised build, the block of 4 rows x every channel is a
  hand-scheduled function (``mve_gemm.py``; GCC spilled its pointers and accumulators),
  and im2col gathers 4 adjacent windows inside the image in one hand-scheduled call
  (:func:`_col4_source`); the host (and the board where those do not apply) runs the C
  twins in ``tv_mve_conv.h``: the same arithmetic on the same constants.

Grouped convolutions keep the dsp or portable kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.codegen.fast.mve_channel import channel_constants
from tinyvid.codegen.fast.mve_gemm import block_lines, naked
from tinyvid.codegen.fast.pointwise import fold_bias
from tinyvid.codegen.ops.base import KernelCall
from tinyvid.codegen.ops.conv2d import window_operands, window_params

TARGETS = ("mve",)
OPCODES = ("CONV_2D",)
PRIORITY = 40

KERNELS = ("mve_conv",)


@dataclass(frozen=True)
class MveRequant:
    """C names of one layer's requantization constants for tv_mve_requant."""

    mult: str
    lsh: str  # "NULL" when no channel shifts left
    rsh: str
    has_lsh: int

    def args(self) -> str:
        return f"{self.mult}, {self.lsh}, {self.rsh}, {self.has_lsh}"


def mve_requant(ctx, mult: np.ndarray, shift: np.ndarray, channels: int) -> MveRequant | None:
    """TFLM's per-channel (or per-tensor, repeated) multipliers and shifts as tv_mve_requant's
    left and right shifts; None for a shift outside [-31, 31]."""
    mult = np.broadcast_to(np.asarray(mult, np.int32).reshape(-1), (channels,)).astype(np.int32)
    shift = np.broadcast_to(np.asarray(shift, np.int32).reshape(-1), (channels,)).astype(np.int32)
    if np.any(shift < -31) or np.any(shift > 31):
        return None
    lsh, rsh = np.maximum(shift, 0).astype(np.int32), np.minimum(shift, 0).astype(np.int32)
    has_lsh = int(np.any(lsh > 0))
    return MveRequant(ctx.op_const("mve_mult", mult), ctx.op_const("mve_lsh", lsh) if has_lsh else "NULL",
                      ctx.op_const("mve_rsh", rsh), has_lsh)


def padded_rows(weights: np.ndarray) -> tuple[np.ndarray, int]:
    """[channels, k] int8 weights with each row zero-padded to a multiple of 16 bytes, and that stride."""
    channels, k = weights.shape
    stride = -(-k // 16) * 16
    out = np.zeros((channels, stride), np.int8)
    out[:, :k] = weights
    return out, stride


def specialise(ctx, call):
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    f_oc, kh, kw, kc = w.shape
    if kc != c:
        return None  # grouped
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 0, ("k_c", kc))
    p = dict(params)
    weights = w.data.reshape(oc, kh * kw * c).astype(np.int8)
    bias = fold_bias(None if b is None else b.data.reshape(-1), weights, p["in_offset"])
    rq = mve_requant(ctx, mult, shift, oc)
    if rq is None:
        return None
    rows, stride = padded_rows(weights)
    W, B = ctx.op_const("mve_w", rows.reshape(-1)), ctx.op_const("mve_bias", bias)
    P = ctx.prefix
    name = f"{P}_op{ctx.op.index}_mve_conv"
    tail = f"{B}, {rq.args()}, {p['out_offset']}, {p['act_min']}, {p['act_max']}"
    defs = ""
    if kh == kw == 1 and p["pad_h"] == 0 and p["pad_w"] == 0:
        sh, sw = p["stride_h"], p["stride_w"]
        if sh == 1 and sw == 1:
            body = f"    {P}_mve_gemm(in, {c}, {n * h * wd}, {c}, {W}, {stride}, {oc}, {tail}, out);"
            set_rows, set_stride, sets = n * h * wd, c, 1
        else:
            body = "\n".join([
                "    int32_t r;",
                f"    for (r = 0; r < {n * oh}; ++r) {{",
                f"        const int32_t b = r / {oh}, oy = r % {oh};",
                f"        {P}_mve_gemm(in + ((b * {h} + oy * {sh}) * {wd}) * {c}, {sw * c}, {ow}, {c}, {W}, {stride}, "
                f"{oc}, {tail}, out + r * {ow * oc});",
                "    }",
            ])
            set_rows, set_stride, sets = ow, sw * c, n * oh
        found = channel_constants(bias, mult, shift, oc)
        if found is not None:
            consts, fix, has_lsh = found
            rq = dict(k=c, w_stride=stride, in_stride=set_stride, oc=oc, fix=fix, has_lsh=has_lsh,
                      full=int(p["act_min"] == -128 and p["act_max"] == 127), zp=p["out_offset"], lo=p["act_min"],
                      hi=p["act_max"])
            block = block_lines(rows=4, **rq) if set_rows >= 4 else None
            if block is not None:
                K = ctx.op_const("mve_k", consts.reshape(-1))
                Pu = P.upper()
                left = set_rows % 4
                last = block_lines(rows=left, **rq) if left else None
                defs = f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)\n" + naked(P, f"{name}_block4", block)
                if last is not None:
                    defs += naked(P, f"{name}_block{left}", last)
                defs += "#endif\n"
                lines = [f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)", "    int32_t s, r;",
                         f"    for (s = 0; s < {sets}; ++s) {{"]
                if sets == 1:
                    lines += ["        const int8_t *x = in;", "        int8_t *o = out;"]
                else:
                    lines += [f"        const int32_t b = s / {oh}, oy = s % {oh};",
                              f"        const int8_t *x = in + ((b * {h} + oy * {sh}) * {wd}) * {c};",
                              f"        int8_t *o = out + s * {ow * oc};"]
                lines += [f"        for (r = 0; r + 4 <= {set_rows}; r += 4) {{",
                          f"            {name}_block4(x + r * {set_stride}, o + r * {oc}, {W}, {K});", "        }"]
                if left and last is not None:
                    lines.append(f"        {name}_block{left}(x + r * {set_stride}, o + r * {oc}, {W}, {K});")
                elif left:
                    lines.append(f"        {P}_mve_gemm(x + r * {set_stride}, {set_stride}, {left}, {c}, {W}, {stride}, "
                                 f"{oc}, {tail}, o + r * {oc});")
                lines += ["    }", "#else", body, "#endif"]
                body = "\n".join(lines)
        variant = "mve-1x1"
    else:
        found = channel_constants(bias, mult, shift, oc)
        block = None
        if found is not None:
            consts, fix, has_lsh = found
            block = block_lines(rows=4, k=stride, w_stride=stride, in_stride=stride, oc=oc, fix=fix, has_lsh=has_lsh,
                                full=int(p["act_min"] == -128 and p["act_max"] == 127), zp=p["out_offset"],
                                lo=p["act_min"], hi=p["act_max"])
        call_args = (f"{n}, {h}, {wd}, {c}, {oh}, {ow}, {oc}, {kh}, {kw}, {p['stride_h']}, {p['stride_w']}, {p['dil_h']}, "
                     f"{p['dil_w']}, {p['pad_h']}, {p['pad_w']}, {-p['in_offset']}, {W}, {stride}, {tail}")
        lines = [f"    static int8_t col[{4 * stride}];"]
        Pu = P.upper()
        col4 = "NULL"
        if p["dil_w"] == 1:
            col4 = f"{name}_col4"
            defs = _col4_source(P, col4, kh=kh, row=kw * c, step=p["dil_h"] * wd * c, adv=p["stride_w"] * c,
                                w_stride=stride)
        if block is not None:
            defs += f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)\n" + naked(P, f"{name}_block4", block) + "#endif\n"
            K = ctx.op_const("mve_k", consts.reshape(-1))
            lines += [f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)",
                      f"    {P}_mve_conv2d(in, out, col, {call_args}, {name}_block4, {K}, {col4});", "#else",
                      f"    {P}_mve_conv2d(in, out, col, {call_args}, NULL, NULL, {col4});", "#endif"]
        else:
            lines.append(f"    {P}_mve_conv2d(in, out, col, {call_args}, NULL, NULL, {col4});")
        body = "\n".join(lines)
        variant = "mve-im2col"
    # noinline: inlined into the model's invoke, the GEMM's registers depend on its neighbours (up to 20% more
    # instructions on vww's last 1x1 layers)
    code = defs + (f"#if defined(__GNUC__)\n__attribute__((noinline))\n#endif\n"
                   f"static void {name}(const int8_t *in, int8_t *out)\n{{\n{body}\n}}\n")
    return KernelCall(KERNELS, f"{name}(@T{x.index}@, @T{y.index}@);", code=code, variant=variant)


def _col4_source(P: str, name: str, *, kh: int, row: int, step: int, adv: int, w_stride: int) -> str:
    """``static void name(int8_t *col, const int8_t *src)``: the im2col rows of 4 adjacent output
    pixels whose windows lie inside the image (``row`` contiguous bytes per kernel row, kernel
    rows ``step`` apart, pixels ``adv`` apart); hand-scheduled on Helium where it applies (GCC
    spends about 50 instructions per pixel on the general im2col, this 3 per 16 bytes)."""
    c_src = [f"static void {name}(int8_t *col, const int8_t *src)", "{", "    int32_t i;",
             f"    for (i = 0; i < 4; ++i, col += {w_stride}, src += {adv}) {{"]
    c_src += [f"        {P}_mve_copy(col + {ky * row}, src + {ky * step}, {row});" for ky in range(kh)]
    c_src += ["    }", "}"]
    chunks, tail = divmod(row, 16)
    gap = w_stride - kh * row
    if not (kh <= 3 and row <= 127 and 16 * chunks <= 112 and (kh - 1) * step <= 4095 and adv <= 4095
            and 0 <= gap <= 4095):
        return "\n".join(c_src) + "\n"
    ptrs = ["r1", "r2", "r3"][:kh]
    a = [f"addw {p}, r1, #{i * step}" for i, p in enumerate(ptrs) if i]
    if tail:
        a += [f"movs r12, #{tail}", "vctp.8 r12"]
    for i in range(4):
        for p in ptrs:
            for j in range(chunks):
                a += [f"vldrb.8 q0, [{p}, #{16 * j}]", "vstrb.8 q0, [r0], #16"]
            if tail:
                a += ["vpstt", f"vldrbt.8 q0, [{p}, #{16 * chunks}]", f"vstrbt.8 q0, [r0], #{tail}"]
        if i < 3:
            a += [f"addw {p}, {p}, #{adv}" for p in ptrs]
            if gap:
                a.append(f"addw r0, r0, #{gap}")
    a.append("bx lr")
    asm = [f"__attribute__((naked)) static void {name}(int8_t *col __attribute__((unused)), "
           "const int8_t *src __attribute__((unused)))", "{", "    __asm__ volatile("]
    asm += [f'        "{x}\\n\\t"' for x in a]
    asm += ["    );", "}"]
    Pu = P.upper()
    return "\n".join([f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)", *asm, "#else", *c_src, "#endif"]) + "\n"
