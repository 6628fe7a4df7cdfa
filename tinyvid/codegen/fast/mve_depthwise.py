"""DEPTHWISE_CONV_2D on the ``mve`` target (Cortex-M55 Helium).

``mve-dw`` (any kernel size, stride, dilation and depth multiplier): one input channel
at a time is gathered out of the NHWC tensor (VLDRB gathers, 8 bytes each) into a
static plane bordered with the raw input zero point, its columns split into
``stride_w`` phases (padded column X at phase X % s, column X / s), so that the taps
of 4 adjacent outputs are 4 adjacent bytes of one plane row. Each output channel then
keeps its taps and requantization constants in scalar registers, and per 4 outputs of
a row: one VDUP of the bias, per tap one widening load at a constant offset and one
VMLA by the scalar weight, the requantization (``tv_mve_requant_s``) and one scatter
store into NHWC. No bounds checks: the border cells hold the zero point and the input
offset is folded into the bias (``bias' = bias + in_offset * sum(w)``, so a border cell
adds ``(zp + in_offset) * w = 0``). The plane (``<prefix>_mve_dw_plane``) is shared by
the model's depthwise layers, sized for the largest.

``mve-depthwise`` (layers whose plane would exceed :data:`MAX_PLANE_BYTES`, depth
multiplier 1): 4 channels per vector read in place from NHWC, border pixels through a
bounds-checked path (``tv_mve_depthwise``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.codegen.fast.mve_channel import ChannelLoop, channel_constants, source
from tinyvid.codegen.fast.mve_conv import KERNELS, mve_requant
from tinyvid.codegen.fast.pointwise import fold_bias
from tinyvid.codegen.ops.base import KernelCall, LoweringContext
from tinyvid.codegen.ops.conv2d import window_operands, window_params
from tinyvid.errors import ModelError, UnsupportedModelError

TARGETS = ("mve",)
OPCODES = ("DEPTHWISE_CONV_2D",)
PRIORITY = 40

#: the largest plane (bytes) a layer may stage; larger layers take the in-place kernel
MAX_PLANE_BYTES = 16384
#: the most taps the unrolled plane kernel emits
MAX_TAPS = 49


@dataclass(frozen=True)
class Plane:
    """One layer's geometry and its staged plane (rows of ``stride_w`` phases of ``wq`` bytes)."""

    batches: int
    h: int
    w: int
    c: int
    oh: int
    ow: int
    dm: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pad_t: int
    pad_l: int

    @property
    def oc(self) -> int:
        return self.c * self.dm

    @property
    def rows(self) -> int:
        """Plane rows the outputs read."""
        return (self.oh - 1) * self.sh + (self.kh - 1) * self.dh + 1

    @property
    def wq(self) -> int:
        """Bytes per phase: every lane of the last group of 4 outputs stays inside its row."""
        return 4 * -(-self.ow // 4) + ((self.kw - 1) * self.dw) // self.sw

    @property
    def row_stride(self) -> int:
        return self.sw * self.wq

    @property
    def bytes(self) -> int:
        return -(-(self.rows * self.row_stride) // 16) * 16

    def tap(self, ky: int, kx: int) -> int:
        """The plane offset of tap (ky, kx) from an output's first tap."""
        x = kx * self.dw
        return ky * self.dh * self.row_stride + (x % self.sw) * self.wq + x // self.sw

    def stage_rows(self) -> int:
        return max(0, min(self.h, self.rows - self.pad_t))

    def phases(self) -> list[tuple[int, int, int]]:
        """Per column phase holding input columns: (first input column, its plane offset in the row, count)."""
        out = []
        end = min(self.w, self.row_stride - self.pad_l)
        for ph in range(self.sw):
            x0 = (ph - self.pad_l) % self.sw
            if x0 < end:
                out.append((x0, ph * self.wq + (x0 + self.pad_l) // self.sw, -(-(end - x0) // self.sw)))
        return out


def _layer(ctx: LoweringContext):
    x, w, y, (n, h, wd, c), (_, oh, ow, oc) = window_operands(ctx)
    if len(w.shape) != 4 or w.shape[0] != 1 or oc % c:
        return None
    _, kh, kw, _ = w.shape
    b, mult, shift, params = window_params(ctx, x, y, w, (n, h, wd, c), (oh, ow, oc), (kh, kw), 3, ("depth_mult", oc // c))
    p = dict(params)
    plane = Plane(n, h, wd, c, oh, ow, oc // c, kh, kw, p["stride_h"], p["stride_w"], p["dil_h"], p["dil_w"],
                  p["pad_h"], p["pad_w"])
    return plane, x, w, y, b, mult, shift, p


def _plane_fits(L: Plane) -> bool:
    return (L.bytes <= MAX_PLANE_BYTES and L.kh * L.kw <= MAX_TAPS and min(L.oh, L.ow) >= 1
            and 7 * L.sw * L.c <= 0xFFFF and L.pad_t >= 0 and L.pad_l >= 0)


def plane_bytes(ctx: LoweringContext) -> int:
    """The plane the model's mve-dw layers share: the largest any of them stages."""
    size = 0
    for op in ctx.graph.operators:
        if op.opcode not in OPCODES:
            continue
        other = LoweringContext(ctx.graph, op, ctx.prefix, {}, ctx.target, ctx.codegen_options)
        try:
            found = _layer(other)
        except (ModelError, UnsupportedModelError, ValueError, ArithmeticError):
            continue
        if found is not None and _plane_fits(found[0]):
            size = max(size, found[0].bytes)
    return size


def specialise(ctx, call):
    found = _layer(ctx)
    if found is None:
        return None
    L, x, w, y, b, mult, shift, p = found
    taps = w.data.reshape(L.kh * L.kw, L.oc).astype(np.int8)
    bias = fold_bias(None if b is None else b.data.reshape(-1), taps.T, p["in_offset"])
    if _plane_fits(L):
        return _plane_call(ctx, L, x, y, taps, bias, mult, shift, p)
    if L.dm != 1:
        return None
    return _inplace_call(ctx, L, x, y, taps, bias, mult, shift, p)


def _plane_call(ctx, L: Plane, x, y, taps, bias, mult, shift, p) -> KernelCall | None:
    found = channel_constants(bias, mult, shift, L.oc)
    if found is None:
        return None
    consts, fix, has_lsh = found
    P, Pu = ctx.prefix, ctx.prefix.upper()
    fn = f"{P}_op{ctx.op.index}_mve_dw"
    W, K = ctx.op_const("mve_dw_w", taps.T.reshape(-1)), ctx.op_const("mve_dw_k", consts.reshape(-1))
    in_zp, zp, lo, hi = -p["in_offset"], p["out_offset"], p["act_min"], p["act_max"]
    full = int(lo == -128 and hi == 127)
    nt = L.kh * L.kw
    offs = tuple(L.tap(ky, kx) for ky in range(L.kh) for kx in range(L.kw))
    ch_fn = f"{fn}_channel"
    groups, tail = divmod(L.ow, 4)
    loop = ChannelLoop(offs, L.oh, groups, tail, 4, 4 * L.oc, L.oc, L.sh * L.row_stride, L.ow * L.oc, fix, has_lsh,
                       full, zp, lo, hi)
    lines = [
        f"#ifndef {Pu}_MVE_DW_PLANE_BYTES",
        f"#define {Pu}_MVE_DW_PLANE_BYTES {plane_bytes(ctx)}",
        "/* the padded channel plane every mve depthwise layer stages its channels in */",
        f"static uint32_t {P}_mve_dw_plane[{Pu}_MVE_DW_PLANE_BYTES / 4];",
        "#endif",
        "",
        f"/* DEPTHWISE_CONV_2D {L.h}x{L.w}x{L.c} -> {L.oh}x{L.ow}x{L.oc}, {L.kh}x{L.kw}, stride {L.sh}x{L.sw}, "
        f"dilation {L.dh}x{L.dw}, plane {L.rows} rows x {L.sw} x {L.wq}: one output channel from the staged plane */",
        source(P, ch_fn, loop).rstrip("\n"),
    ]
    lines += [
        "",
        f"static void {fn}(const int8_t *in, int8_t *out)",
        "{",
        f"    int8_t *const plane = (int8_t *){P}_mve_dw_plane;",
        f"    const int8_t *wt = {W};",
        f"    const int32_t *k = {K};",
        f"    const {P}_u16x8 goff = {P}_voffsets16({L.sw * L.c});",
        "    int32_t b, ch, mc, y;",
        f"    {P}_mve_fill(plane, {P}_vdup8({in_zp}), {L.bytes});",
        f"    for (b = 0; b < {L.batches}; ++b) {{",
        f"        const int8_t *in_c = in + b * {L.h * L.w * L.c};",
        f"        int8_t *out_c = out + b * {L.oh * L.ow * L.oc};",
        f"        for (ch = 0; ch < {L.c}; ++ch, ++in_c) {{",
    ]
    phases = L.phases()
    if L.stage_rows() and phases:
        lines += [f"            for (y = 0; y < {L.stage_rows()}; ++y) {{",
                  f"                const int8_t *s = in_c + y * {L.w * L.c};",
                  f"                int8_t *d = plane + (y + {L.pad_t}) * {L.row_stride};"]
        for x0, off, count in phases:
            lines.append(f"                {P}_mve_gather_copy(d + {off}, s + {x0 * L.c}, {count}, {L.sw * L.c}, goff);")
        lines.append("            }")
    lines += [f"            for (mc = 0; mc < {L.dm}; ++mc, ++out_c, wt += {nt}, k += 4) {{",
              f"                {ch_fn}(plane, out_c, wt, k);",
              "            }", "        }", f"        wt = {W};", f"        k = {K};", "    }", "    (void)y;", "}"]
    code = "\n".join(lines) + "\n"
    return KernelCall(KERNELS, f"{fn}(@T{x.index}@, @T{y.index}@);", code=code, variant="mve-dw")


def _inplace_call(ctx, L: Plane, x, y, taps, bias, mult, shift, p) -> KernelCall | None:
    c = L.c
    c4 = -(-c // 4) * 4
    grouped = np.zeros((L.kh * L.kw, c4), np.int8)
    grouped[:, :c] = taps
    grouped = grouped.reshape(L.kh * L.kw, c4 // 4, 4).transpose(1, 0, 2)  # [group][tap][4]
    rq = mve_requant(ctx, _pad(mult, c4), _pad(shift, c4), c4)
    if rq is None:
        return None
    P = ctx.prefix
    name = f"{P}_op{ctx.op.index}_mve_depthwise"
    code = (
        f"static void {name}(const int8_t *in, int8_t *out)\n{{\n"
        f"    {P}_mve_depthwise(in, out, {L.batches}, {L.h}, {L.w}, {c}, {L.oh}, {L.ow}, {L.kh}, {L.kw}, {L.sh}, "
        f"{L.sw}, {L.dh}, {L.dw}, {L.pad_t}, {L.pad_l}, {-p['in_offset']}, "
        f"{ctx.op_const('mve_w', grouped.reshape(-1))}, {ctx.op_const('mve_bias', _pad(bias, c4))}, {rq.args()}, "
        f"{p['out_offset']}, {p['act_min']}, {p['act_max']});\n}}\n"
    )
    return KernelCall(KERNELS, f"{name}(@T{x.index}@, @T{y.index}@);", code=code, variant="mve-depthwise")


def _pad(values, n: int) -> np.ndarray:
    """Per-channel values (or one per-tensor value, repeated) zero-padded to n channels."""
    v = np.asarray(values, np.int32).reshape(-1)
    out = np.zeros(n, np.int32)
    out[: v.size] = v
    if v.size == 1:
        out[:] = v[0]
    return out
