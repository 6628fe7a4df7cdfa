/**
 * @file tv_arm.h
 * @brief Arm DSP instructions used by the optimised kernels, with a C emulation.
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33, M55)
 * each function is the instruction of the same name. Elsewhere (the host, where
 * the tests build the same kernels under the sanitizers) it is C that computes
 * the identical result, so one source is checked bit for bit on the host and
 * timed on the board. Packed operands: a 32-bit word holds two int16 lanes
 * (bits 15..0 "bottom", 31..16 "top") or four int8 lanes.
 */
#ifndef TV_ARM_H
#define TV_ARM_H

#include <stdint.h>
#include <string.h>

#include "tv_common.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TV_ARM_DSP 1
#include <arm_acle.h>
#else
#define TV_ARM_DSP 0
#endif

/* Inline assembly blocks of the kernels: on a DSP core in an optimised build (at -O0 GCC
   keeps a frame pointer and may not find the registers a block names; the C path beside
   every block is the same arithmetic). */
#if TV_ARM_DSP && defined(__OPTIMIZE__)
#define TV_ARM_ASM 1
#else
#define TV_ARM_ASM 0
#endif

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TV_ARM_MVE 1
#else
#define TV_ARM_MVE 0
#endif

/** Reads 4 bytes at any address (LDR, unaligned access allowed on Armv7-M and later). */
static inline uint32_t tv_read_u32(const void *p)
{
#if defined(__GNUC__)
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
#else
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#endif
}

/** Writes 4 bytes at any address. */
static inline void tv_write_u32(void *p, uint32_t v)
{
#if defined(__GNUC__)
    __builtin_memcpy(p, &v, 4);
#else
    memcpy(p, &v, 4);
#endif
}

static inline int32_t tv_lo16(uint32_t x)
{
    return (int32_t)(int16_t)(uint16_t)(x & 0xFFFFu);
}

static inline int32_t tv_hi16(uint32_t x)
{
    return (int32_t)(int16_t)(uint16_t)(x >> 16);
}

static inline uint32_t tv_pack16(int32_t lo, int32_t hi)
{
    return ((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu);
}

/** SXTB16: bytes 0 and 2 sign-extended into the two int16 lanes. */
static inline uint32_t tv_sxtb16(uint32_t x)
{
#if TV_ARM_DSP
    return (uint32_t)__sxtb16((int32_t)x);
#else
    return tv_pack16((int32_t)(int8_t)(uint8_t)(x & 0xFFu), (int32_t)(int8_t)(uint8_t)((x >> 16) & 0xFFu));
#endif
}

/** SXTB16 x, ROR #8: bytes 1 and 3 sign-extended into the two int16 lanes. */
static inline uint32_t tv_sxtb16_ror8(uint32_t x)
{
#if TV_ARM_DSP
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
#else
    return tv_pack16((int32_t)(int8_t)(uint8_t)((x >> 8) & 0xFFu), (int32_t)(int8_t)(uint8_t)(x >> 24));
#endif
}

/** SXTAB16 a, x: a's lanes plus bytes 0 and 2 of x, each lane modulo 2^16. */
static inline uint32_t tv_sxtab16(uint32_t a, uint32_t x)
{
#if TV_ARM_DSP
    return (uint32_t)__sxtab16((int32_t)a, (int32_t)x);
#else
    const uint32_t e = tv_sxtb16(x);
    return tv_pack16((int32_t)(uint16_t)((a + e) & 0xFFFFu), (int32_t)(uint16_t)(((a >> 16) + (e >> 16)) & 0xFFFFu));
#endif
}

/** SMLAD: acc + lo(x)*lo(y) + hi(x)*hi(y) (wraps modulo 2^32). */
static inline int32_t tv_smlad(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smlad(x, y, acc);
#else
    return tv_add_wrap(tv_add_wrap(acc, tv_lo16(x) * tv_lo16(y)), tv_hi16(x) * tv_hi16(y));
#endif
}

/** SMLADX: acc + lo(x)*hi(y) + hi(x)*lo(y). */
static inline int32_t tv_smladx(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smladx(x, y, acc);
#else
    return tv_add_wrap(tv_add_wrap(acc, tv_lo16(x) * tv_hi16(y)), tv_hi16(x) * tv_lo16(y));
#endif
}

/** SMLABB / SMLABT / SMLATB / SMLATT: acc + one 16x16 product of the named lanes. */
static inline int32_t tv_smlabb(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smlabb((int32_t)x, (int32_t)y, acc);
#else
    return tv_add_wrap(acc, tv_lo16(x) * tv_lo16(y));
#endif
}

static inline int32_t tv_smlabt(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smlabt((int32_t)x, (int32_t)y, acc);
#else
    return tv_add_wrap(acc, tv_lo16(x) * tv_hi16(y));
#endif
}

static inline int32_t tv_smlatb(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smlatb((int32_t)x, (int32_t)y, acc);
#else
    return tv_add_wrap(acc, tv_hi16(x) * tv_lo16(y));
#endif
}

static inline int32_t tv_smlatt(uint32_t x, uint32_t y, int32_t acc)
{
#if TV_ARM_DSP
    return __smlatt((int32_t)x, (int32_t)y, acc);
#else
    return tv_add_wrap(acc, tv_hi16(x) * tv_hi16(y));
#endif
}

/** PKHBT: bottom lane of a, top lane of (b << 16). */
static inline uint32_t tv_pkhbt16(uint32_t a, uint32_t b)
{
    return (a & 0xFFFFu) | (b << 16);
}

/** PKHTB: top lane of a, bottom lane of (b >> 16). */
static inline uint32_t tv_pkhtb16(uint32_t a, uint32_t b)
{
    return (a & 0xFFFF0000u) | (b >> 16);
}

/** SSAT #8: x clamped to [-128, 127]. */
static inline int32_t tv_ssat8(int32_t x)
{
#if TV_ARM_DSP
    return __ssat(x, 8);
#else
    return x < -128 ? -128 : (x > 127 ? 127 : x);
#endif
}

/** SMLAL: the 64-bit acc + x * y. */
static inline int64_t tv_smlal(int64_t acc, int32_t x, int32_t y)
{
    return (int64_t)((uint64_t)acc + (uint64_t)((int64_t)x * (int64_t)y));
}

/**
 * TFLite's MultiplyByQuantizedMultiplier(acc, m, -e) + zero point, for a multiplier
 * m in [2^30, 2^31) and a right shift e in [1, 31]:
 *   RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc, m), e)
 *     == (acc * m + 2^30 + 2^(30+e) - [acc < 0] * 2^31) >> (31 + e)   (exact).
 * @p k is 2^30 + 2^(30+e) + zero_point * 2^(31+e) (computed at generation time;
 * valid while it fits int64, i.e. e <= 22), @p sh is 31 + e. For e in [23, 31] k leaves
 * the zero point out and the caller adds it to the result; m = 0 (with e = 1) gives
 * the zero point (fast/requant.py computes the constants).
 */
static inline int32_t tv_requant_fast(int32_t acc, int32_t m, int64_t k, int32_t sh)
{
    const int64_t t = tv_smlal(k - (acc < 0 ? ((int64_t)1 << 31) : 0), acc, m);
    /* sh >= 32: shifting the high word alone is the same value and saves the 64-bit
       variable shift (8 instructions -> 1 under GCC 12 -O2 for Cortex-M4) */
    return (int32_t)(t >> 32) >> (sh - 32);
}

/**
 * tv_requant_fast(acc, m, k, sh) with k as its two words (@p k_lo, @p k_hi) and
 * @p sh32 = sh - 32. On the core: SMLAL k += acc * m, LSR t = [acc < 0], SMLAL
 * k += t * (-2^31), ASR of the high word, in assembly: GCC 12 allocates the 64-bit form
 * badly next to register-blocked kernels (spills, about 13 instructions per output in
 * the 1x1 GEMM against 8 with this and SSAT + STRB).
 */
static inline int32_t tv_requant_fast_words(int32_t acc, int32_t m, int32_t k_lo, int32_t k_hi, int32_t sh32)
{
#if TV_ARM_DSP
    uint32_t lo = (uint32_t)k_lo;
    uint32_t t;
    int32_t hi = k_hi;
    __asm__("smlal %[lo], %[hi], %[acc], %[m]\n\t"
            "lsr %[t], %[acc], #31\n\t"
            "smlal %[lo], %[hi], %[t], %[c]\n\t"
            "asr %[hi], %[hi], %[s]"
            : [lo] "+&r"(lo), [hi] "+&r"(hi), [t] "=&r"(t)
            : [acc] "r"(acc), [m] "r"(m), [s] "r"(sh32), [c] "r"(INT32_MIN));
    return hi;
#else
    const uint64_t k = ((uint64_t)(uint32_t)k_hi << 32) | (uint64_t)(uint32_t)k_lo;
    return tv_requant_fast(acc, m, (int64_t)k, sh32 + 32);
#endif
}

/** SADD16: lane-wise a + b, each int16 lane modulo 2^16. */
static inline uint32_t tv_sadd16(uint32_t a, uint32_t b)
{
#if TV_ARM_DSP
    return (uint32_t)__sadd16((int32_t)a, (int32_t)b);
#else
    return tv_pack16((int32_t)(uint16_t)((a + b) & 0xFFFFu), (int32_t)(uint16_t)(((a >> 16) + (b >> 16)) & 0xFFFFu));
#endif
}

/** SSUB16: lane-wise a - b, each int16 lane modulo 2^16. */
static inline uint32_t tv_ssub16(uint32_t a, uint32_t b)
{
#if TV_ARM_DSP
    return (uint32_t)__ssub16((int32_t)a, (int32_t)b);
#else
    return tv_pack16((int32_t)(uint16_t)((a - b) & 0xFFFFu), (int32_t)(uint16_t)(((a >> 16) - (b >> 16)) & 0xFFFFu));
#endif
}

/** SMMLAR: a + the rounded high word of x * y, i.e. bits 63..32 of a * 2^32 + x * y + 2^31. */
static inline int32_t tv_smmlar(int32_t x, int32_t y, int32_t a)
{
    const uint64_t t = ((uint64_t)(uint32_t)a << 32) + (uint64_t)((int64_t)x * (int64_t)y) + 0x80000000u;
    const uint32_t hi = (uint32_t)(t >> 32);
    return hi > 0x7FFFFFFFu ? -(int32_t)(~hi) - 1 : (int32_t)hi;
}

/**
 * TFLite's MultiplyByQuantizedMultiplier(acc, m, -e) + zero point (m in [2^30, 2^31) or 0, e in
 * [1, 22]) from the doubled accumulator @p acc2 = 2 * acc (|acc| < 2^30; kernels double their
 * weights and bias at generation time): SMMLAR gives SaturatingRoundingDoublingHighMul(acc, m)
 * + @p c with c = 2^(e-1) + zero_point * 2^e, adding acc's sign (0 or -1) makes the rounding of
 * RoundingDivideByPOT exact, then an arithmetic shift by e (exact; fast/requant.py
 * mulhi_requant computes m, c, e). On the core: SMMLAR, ADD ..., ASR #31, ASR: 3 instructions.
 */
static inline int32_t tv_requant_mulhi(int32_t acc2, int32_t m, int32_t c, int32_t e)
{
    const int32_t y = tv_add_wrap(tv_smmlar(acc2, m, c), -(int32_t)((uint32_t)acc2 >> 31));
    return y >> e;
}

/**
 * tv_requant_fast_words without the [acc < 0] term: (acc * m + k) >> (32 + @p sh32). The term
 * only changes the result of a negative accumulator, and then both forms give at most the
 * zero point (m >= 0: acc * m + 2^30 + 2^(30+e) < 2^(31+e)); a kernel whose activation clamps
 * at or above the output zero point (ReLU, ReLU6) gets the same int8 from either, two
 * instructions fewer per output.
 */
static inline int32_t tv_requant_fast_clamped_words(int32_t acc, int32_t m, int32_t k_lo, int32_t k_hi, int32_t sh32)
{
    const uint64_t k = ((uint64_t)(uint32_t)k_hi << 32) | (uint64_t)(uint32_t)k_lo;
    const int64_t t = tv_smlal((int64_t)k, acc, m);
    return (int32_t)(t >> 32) >> sh32;
}

#endif /* TV_ARM_H */
