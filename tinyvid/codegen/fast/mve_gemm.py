"""The ``mve`` GEMM block (``tv_mve_gemm``: 4 rows x 1 output channel, VMLADAVA dot products)
hand-scheduled for a Helium core in an optimised build.

GCC keeps the GEMM's pointers and accumulators on the stack and moves each dot product
into a vector lane by lane (about 46 instructions per channel besides the 9 per 16 bytes
of the dot products); this naked function of inline assembly keeps them in registers:
per output channel and 16 bytes of k one weight load, 4 input loads and 4 VMLADAVA, then
4 VMOVs into the lanes, one LDM of the channel's constants (bias with the input offset
folded in, multiplier, right shift <= 0, left shift >= 0: ``mve_channel.channel_constants``),
the requantization of ``tv_mve_requant_v`` with those scalars (exactly TFLM's double
rounding) and one scatter store into the 4 rows. The C path (``tv_mve_gemm``, the host's
and the board's where this does not apply) is the same algorithm.

Registers: r0 r5 r7 r9 the 4 input rows, r1 output, r2 weights (post-incremented),
r3 constants, r4 r6 r8 r10 the dot products (VMLADAV needs even registers), r11 the
output zero point, r12 a temporary, lr channels left; q0 q1 inputs, q2 weights, q3 the 4
results, q4 output row offsets, q5 q6 act_min and act_max, q7 a temporary.
"""

from __future__ import annotations

from tinyvid.codegen.fast.mve_channel import _mov32


def block_lines(*, k: int, w_stride: int, in_stride: int, oc: int, rows: int, fix: int, has_lsh: int, full: int,
                zp: int, lo: int, hi: int) -> list[str] | None:
    """Assembly for one block of ``rows`` (1..4) input rows x every output channel, or None where
    it does not apply (then the C GEMM runs)."""
    chunks, ktail = divmod(k, 16)
    n_chunks = chunks + (1 if ktail else 0)
    post = w_stride > 128  # immediate offsets reach 112: longer rows post-increment and rewind
    if (not 1 <= rows <= 4 or (rows < 4 and ktail) or not 0 < 3 * in_stride <= 4095 or not 0 < oc <= 0xFFFF
            or w_stride != 16 * n_chunks or w_stride > 4095):
        return None
    xs = ["r0", "r5", "r7", "r9"]
    acc = ["r4", "r6", "r8", "r10"]
    a = ["push {r4-r11, lr}", "vpush {d8-d15}"]
    for i in range(1, 4):
        a.append(f"addw {xs[i]}, r0, #{i * in_stride}" if i < rows else f"mov {xs[i]}, r0")
    a += ["movs r12, #0", "vidup.u32 q4, r12, #1", *_mov32("r12", oc), "vmul.i32 q4, q4, r12"]
    if not full:
        a += [*_mov32("r12", lo), "vdup.32 q5, r12", *_mov32("r12", hi), "vdup.32 q6, r12"]
    if ktail:
        a += [f"movs r12, #{ktail}", "vctp.8 r12"]
    elif rows < 4:
        a += [f"movs r12, #{rows}", "vctp.32 r12"]
    a += [*_mov32("r11", zp), *_mov32("lr", oc), "dls lr, lr", "1:"]
    for j in range(n_chunks):
        a.append("vldrb.8 q2, [r2], #16")
        last = ktail and j == n_chunks - 1
        for i in range(4):
            if i % 2 == 0 and last:
                a.append("vpstt")
            src = f"[{xs[i]}], #16" if post else f"[{xs[i]}, #{16 * j}]"
            a.append(f"vldrb{'t' if last else ''}.8 q{i % 2}, {src}")
            if i % 2 == 1:
                for m in (i - 1, i):
                    a.append(f"vmladav{'a' if j else ''}.s8 {acc[m]}, q{m % 2}, q2")
    if post:
        a += [f"subw {x}, {x}, #{16 * n_chunks}" for x in xs[:rows]]
        a += [f"mov {x}, r0" for x in xs[rows:]]
    # one lane per VMOV: the two-lane form's lane order differs between QEMU and LLVM's assembler
    a += [f"vmov.32 q3[{i}], {r}" for i, r in enumerate(acc)]
    a += ["ldm r3!, {r4, r6, r8, r10}",
          "vadd.i32 q3, q3, r4"]
    if has_lsh:
        a.append("vshl.s32 q3, r10")
    a.append("vqrdmulh.s32 q3, q3, r6")
    if fix == 1:
        a += ["vshr.s32 q7, q3, #31", "vadd.i32 q3, q3, q7"]
    elif fix == 2:
        a += ["vdup.32 q7, r8", "vand q7, q3, q7", "vshr.s32 q7, q7, #31", "vadd.i32 q3, q3, q7"]
    if fix:
        a.append("vrshl.s32 q3, r8")
    a.append("vadd.i32 q3, q3, r11")
    a += ["vqmovnb.s32 q3, q3", "vqmovnb.s16 q3, q3"] if full else ["vmax.s32 q3, q3, q5", "vmin.s32 q3, q3, q6"]
    a += ["vpst", "vstrbt.32 q3, [r1, q4]"] if rows < 4 else ["vstrb.32 q3, [r1, q4]"]
    a += ["adds r1, r1, #1", "le lr, 1b", "vpop {d8-d15}", "pop {r4-r11, pc}"]
    return a


def naked(P: str, name: str, lines: list[str]) -> str:
    """``static void name(const int8_t *x0, int8_t *out, const int8_t *w, const int32_t *k)`` from assembly lines."""
    out = [f"__attribute__((naked)) static void {name}(const int8_t *x0 __attribute__((unused)), "
           "int8_t *out __attribute__((unused)), const int8_t *w __attribute__((unused)), "
           "const int32_t *k __attribute__((unused)))", "{", "    __asm__ volatile("]
    out += [f'        "{a}\\n\\t"' for a in lines]
    out += ["    );", "}"]
    return "\n".join(out) + "\n"
