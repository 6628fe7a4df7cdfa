"""One output channel of a staged int8 plane on the ``mve`` target: the loop of the Helium
depthwise kernel (``mve-dw``).

The plane holds, for each group of 4 adjacent outputs, their taps as 4 adjacent bytes at
constant offsets. Per group: the bias vector, per tap one widening load (VLDRB.S32) and
one VMLA by the tap's weight (a scalar register), TFLM's requantization
(``tv_mve_requant_v``: VQRDMULH, the fix-up for negative values, VRSHL, the zero point,
the clamp) and one scatter store of the 4 bytes into NHWC (lanes ``lane_out`` apart);
groups along a row are ``group_in`` plane bytes and ``group_out`` output bytes apart,
rows ``row_in`` and ``row_out``; a row's last ``tail`` (< 4) outputs are stored under a
predicate. The channel's weights (``wt``, int8) and constants (``k``: bias with the input
offset folded in, multiplier, right shift <= 0, left shift >= 0) are arguments.

GCC spills the taps and constant vectors of this loop (about 50 instructions per group
of 3x3 taps instead of 29), so on a Helium core in an optimised build the loop is a
naked function of inline assembly with the registers assigned by hand
(:func:`asm_lines`); the C beside it (the host's path, and the board's where the
assembly does not apply) is the same algorithm on the same constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the most taps the hand-scheduled loop keeps in registers (r4..r12)
ASM_TAPS = 9


@dataclass(frozen=True)
class ChannelLoop:
    offs: tuple[int, ...]  # plane offset of each tap from a group's first byte (offs[0] == 0)
    rows: int
    groups: int  # whole groups of 4 outputs per row
    tail: int  # outputs after them (0..3)
    group_in: int
    group_out: int
    lane_out: int
    row_in: int
    row_out: int
    fix: int  # 0: no channel shifts right, 1: every one does, 2: some
    has_lsh: int
    full: int  # the activation range is all of int8
    zp: int
    lo: int
    hi: int


def channel_constants(bias: np.ndarray, mult, shift, oc: int) -> tuple[np.ndarray, int, int] | None:
    """Per output channel [bias, multiplier, min(shift, 0), max(shift, 0)] (int32, [oc][4]), the
    loop's ``fix`` and ``has_lsh``; None for a shift outside [-31, 31]."""
    mult = np.broadcast_to(np.asarray(mult, np.int64).reshape(-1), (oc,))
    shift = np.broadcast_to(np.asarray(shift, np.int64).reshape(-1), (oc,))
    if np.any(shift < -31) or np.any(shift > 31):
        return None
    lsh, rsh = np.maximum(shift, 0), np.minimum(shift, 0)
    consts = np.stack([np.asarray(bias, np.int64), mult, rsh, lsh], axis=1).astype(np.int32)
    fix = 0 if not np.any(rsh < 0) else (1 if np.all(rsh < 0) else 2)
    return consts, fix, int(np.any(lsh > 0))


def source(P: str, name: str, L: ChannelLoop) -> str:
    """``static void name(const int8_t *plane, int8_t *out_c, const int8_t *wt, const int32_t *k)``."""
    Pu = P.upper()
    asm = asm_lines(L)
    lines = []
    if asm:
        lines += [f"#if {Pu}_ARM_MVE && defined(__OPTIMIZE__)",
                  f"__attribute__((naked)) static void {name}(const int8_t *plane __attribute__((unused)), "
                  "int8_t *out_c __attribute__((unused)), const int8_t *wt __attribute__((unused)), "
                  "const int32_t *k __attribute__((unused)))",
                  "{", "    __asm__ volatile("]
        lines += [f'        "{a}\\n\\t"' for a in asm]
        lines += ["    );", "}", "#else"]
    nt = len(L.offs)
    lines += [
        f"static void {name}(const int8_t *plane, int8_t *out_c, const int8_t *wt, const int32_t *k)",
        "{",
        f"    const {P}_u32x4 ooff = {P}_voffsets({L.lane_out});",
        f"    const {P}_i32x4 lo = {P}_vdup32({L.lo});",
        f"    const {P}_i32x4 hi = {P}_vdup32({L.hi});",
        f"    const {P}_i32x4 vz = {P}_vdup32({L.zp});",
    ]
    lines += [f"    const int32_t w{t} = wt[{t}];" for t in range(nt)]
    lines += [f"    const {P}_i32x4 vb = {P}_vdup32(k[0]), vm = {P}_vdup32(k[1]), vr = {P}_vdup32(k[2]);",
              f"    const {P}_i32x4 vl = {P}_vdup32({'k[3]' if L.has_lsh else '0'});",
              "    int32_t y;",
              f"    for (y = 0; y < {L.rows}; ++y) {{",
              f"        const int8_t *q = plane + y * {L.row_in};",
              f"        int8_t *o = out_c + y * {L.row_out};"]

    def group(store: str) -> list[str]:
        g = [f"{P}_i32x4 a = vb;"]
        g += [f"a = {P}_vmla32_n(a, {P}_vldb32(q + {o}), w{t});" for t, o in enumerate(L.offs)]
        g.append(f"a = {P}_mve_requant_v(a, vm, vl, vr, {L.fix}, {L.has_lsh}, vz, {L.full}, lo, hi);")
        g.append(store)
        return g

    if L.groups:
        lines.append(f"        for (int32_t x = 0; x < {L.groups}; ++x, q += {L.group_in}, o += {L.group_out}) {{")
        lines += ["            " + s for s in group(f"{P}_vstb32_scatter(o, ooff, a);")]
        lines.append("        }")
    if L.tail:
        lines.append("        {")
        lines += ["            " + s for s in group(f"{P}_vstb32_scatter_p(o, ooff, a, {P}_vctp32({L.tail}));")]
        lines.append("        }")
    lines += ["    }", "    (void)lo;", "    (void)hi;", "}"]
    if asm:
        lines.append("#endif")
    return "\n".join(lines) + "\n"


def _mov32(reg: str, value: int) -> list[str]:
    v = value & 0xFFFFFFFF
    out = [f"movw {reg}, #{v & 0xFFFF}"]
    if v >> 16:
        out.append(f"movt {reg}, #{v >> 16}")
    return out


def asm_lines(L: ChannelLoop) -> list[str] | None:
    """The loop in Helium assembly, or None where it does not apply.

    Registers: r0 plane (post-incremented by group_in per group), r1 output, r2 zero point,
    r3 rows left, r4.. the taps, lr groups left; q0 accumulator, q1 bias, q2 multiplier,
    q3 right shift, q4 output lane offsets, q5 left shift or act_min, q7 act_max or a load
    temporary, q6 temporary. VPR.P0 (set once) predicates the tail's store.
    """
    nt = len(L.offs)
    n_groups = L.groups + (1 if L.tail else 0)
    dq = L.row_in - L.group_in * n_groups
    do = L.row_out - L.group_out * L.groups
    if (nt > ASM_TAPS or (L.has_lsh and not L.full) or not L.offs or L.offs[0] != 0
            or any(not -127 <= o - L.group_in <= 127 for o in L.offs[1:]) or not 0 < L.group_in <= 127
            or (L.rows > 1 and not (0 <= dq <= 4095 and 0 <= do <= 4095)) or not 0 <= L.group_out <= 4095
            or not 0 < L.lane_out <= 0xFFFF or L.rows < 1):
        return None
    a = ["push {r4-r11, lr}", "vpush {d8-d15}",
         "ldr r4, [r3]", "vdup.32 q1, r4", "ldr r4, [r3, #4]", "vdup.32 q2, r4", "ldr r4, [r3, #8]", "vdup.32 q3, r4"]
    if L.has_lsh:
        a += ["ldr r4, [r3, #12]", "vdup.32 q5, r4"]
    a += ["movs r4, #0", "vidup.u32 q4, r4, #1", *_mov32("r4", L.lane_out), "vmul.i32 q4, q4, r4"]
    if not L.full:
        a += [*_mov32("r4", L.lo), "vdup.32 q5, r4", *_mov32("r4", L.hi), "vdup.32 q7, r4"]
    if L.tail:
        a += [f"movs r4, #{L.tail}", "vctp.32 r4"]
    a += [f"ldrsb r{4 + t}, [r2, #{t}]" for t in range(nt)]
    a += _mov32("r2", L.zp)
    if L.rows > 1:
        a += _mov32("r3", L.rows)
    temps = ["q6", "q7"] if L.full else ["q6"]

    def body(last: bool) -> list[str]:
        g = ["vmov q0, q1"]
        for t, o in enumerate(L.offs):
            tmp = temps[t % len(temps)]
            g.append(f"vldrb.s32 {tmp}, [r0], #{L.group_in}" if t == 0 else f"vldrb.s32 {tmp}, [r0, #{o - L.group_in}]")
            g.append(f"vmla.s32 q0, {tmp}, r{4 + t}")
        if L.has_lsh:
            g.append("vshl.s32 q0, q0, q5")
        g.append("vqrdmulh.s32 q0, q0, q2")
        if L.fix == 1:
            g += ["vshr.s32 q6, q0, #31", "vadd.i32 q0, q0, q6"]
        elif L.fix == 2:
            g += ["vand q6, q0, q3", "vshr.s32 q6, q6, #31", "vadd.i32 q0, q0, q6"]
        if L.fix:
            g.append("vrshl.s32 q0, q0, q3")
        g.append("vadd.i32 q0, q0, r2")
        g += ["vqmovnb.s32 q0, q0", "vqmovnb.s16 q0, q0"] if L.full else ["vmax.s32 q0, q0, q5", "vmin.s32 q0, q0, q7"]
        if last:
            g += ["vpst", "vstrbt.32 q0, [r1, q4]"]
        else:
            g += ["vstrb.32 q0, [r1, q4]"]
            if L.group_out:
                g.append(f"addw r1, r1, #{L.group_out}")
        return g

    if L.rows > 1:
        a.append("1:")
    if L.groups >= 2:
        a += [*_mov32("lr", L.groups), "dls lr, lr", "2:", *body(False), "le lr, 2b"]
    elif L.groups == 1:
        a += body(False)
    if L.tail:
        a += body(True)
    if L.rows > 1:
        if dq:
            a.append(f"addw r0, r0, #{dq}")
        if do:
            a.append(f"addw r1, r1, #{do}")
        a += ["subs r3, r3, #1", "bne 1b"]
    a += ["vpop {d8-d15}", "pop {r4-r11, pc}"]
    return a
