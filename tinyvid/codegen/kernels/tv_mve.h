/**
 * @file tv_mve.h
 * @brief Helium (M-profile Vector Extension) operations used by the `mve` kernels, with a C emulation.
 *
 * On a core with integer MVE (__ARM_FEATURE_MVE: Cortex-M55, M85) each function is
 * the ACLE intrinsic of <arm_mve.h> named in its comment, one instruction each.
 * Elsewhere (the host, where the tests build the same kernels under the sanitizers)
 * the vectors are structs of lanes and each function computes the identical result
 * lane by lane, so one kernel source is checked bit for bit on the host and timed
 * on the board. Vectors are 128 bits: 16 int8 lanes or 4 int32 lanes. A predicate
 * has one bit per byte lane (VCTP): an int32 lane i is active when bit 4i is set.
 */
#ifndef TV_MVE_H
#define TV_MVE_H

#include <stdint.h>

#include "tv_arm.h"

#if defined(__GNUC__)
#define TV_ALWAYS_INLINE static inline __attribute__((always_inline))
#define TV_NOINLINE static __attribute__((noinline, unused))
#else
#define TV_ALWAYS_INLINE static inline
#define TV_NOINLINE static
#endif

/* Unrolls the next loop (a filter's taps, fixed per layer): GCC does not on its own. */
#if defined(__GNUC__) && !defined(__clang__)
#define TV_UNROLL _Pragma("GCC unroll 16")
#else
#define TV_UNROLL
#endif

#if TV_ARM_MVE
#include <arm_mve.h>

typedef int8x16_t tv_i8x16;
typedef int32x4_t tv_i32x4;
typedef uint32x4_t tv_u32x4;
typedef mve_pred16_t tv_pred;

/** VCTP.8: byte lanes [0, n) active. */
TV_ALWAYS_INLINE tv_pred tv_vctp8(int32_t n) { return vctp8q((uint32_t)n); }
/** VCTP.32: int32 lanes [0, n) active. */
TV_ALWAYS_INLINE tv_pred tv_vctp32(int32_t n) { return vctp32q((uint32_t)n); }
/** VLDRB.8: 16 bytes. */
TV_ALWAYS_INLINE tv_i8x16 tv_vld8(const int8_t *p) { return vld1q_s8(p); }
/** VLDRB.8 predicated: inactive lanes are 0 and not read. */
TV_ALWAYS_INLINE tv_i8x16 tv_vld8_z(const int8_t *p, tv_pred q) { return vldrbq_z_s8(p, q); }
/** VSTRB.8 predicated: only active lanes are written. */
TV_ALWAYS_INLINE void tv_vst8_p(int8_t *p, tv_i8x16 v, tv_pred q) { vstrbq_p_s8(p, v, q); }
/** VSTRB.8. */
TV_ALWAYS_INLINE void tv_vst8(int8_t *p, tv_i8x16 v) { vst1q_s8(p, v); }
/** VDUP.8. */
TV_ALWAYS_INLINE tv_i8x16 tv_vdup8(int32_t x) { return vdupq_n_s8((int8_t)x); }
/** VMLADAV.S8: the sum of the 16 products a[i] * b[i]. */
TV_ALWAYS_INLINE int32_t tv_vmladav8(tv_i8x16 a, tv_i8x16 b) { return vmladavq_s8(a, b); }
/** VMLADAVA.S8: acc + the sum of the 16 products (modulo 2^32). */
TV_ALWAYS_INLINE int32_t tv_vmladava8(int32_t acc, tv_i8x16 a, tv_i8x16 b) { return vmladavaq_s8(acc, a, b); }
/** VLDRB.S32: 4 bytes sign-extended into the int32 lanes. */
TV_ALWAYS_INLINE tv_i32x4 tv_vldb32(const int8_t *p) { return vldrbq_s32(p); }
/** VLDRB.S32 predicated (inactive lanes 0, not read). */
TV_ALWAYS_INLINE tv_i32x4 tv_vldb32_z(const int8_t *p, tv_pred q) { return vldrbq_z_s32(p, q); }
/** VLDRW.32. */
TV_ALWAYS_INLINE tv_i32x4 tv_vldw32(const int32_t *p) { return vld1q_s32(p); }
/** VLDRW.32 predicated. */
TV_ALWAYS_INLINE tv_i32x4 tv_vldw32_z(const int32_t *p, tv_pred q) { return vldrwq_z_s32(p, q); }
/** VDUP.32. */
TV_ALWAYS_INLINE tv_i32x4 tv_vdup32(int32_t x) { return vdupq_n_s32(x); }
/** Four scalars into the lanes (VMOV to lanes). */
TV_ALWAYS_INLINE tv_i32x4 tv_vset4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    tv_i32x4 v = vuninitializedq_s32();
    v = vsetq_lane_s32(a, v, 0);
    v = vsetq_lane_s32(b, v, 1);
    v = vsetq_lane_s32(c, v, 2);
    return vsetq_lane_s32(d, v, 3);
}
/** The lane offsets {0, s, 2s, 3s} (VIDUP-free: set once per kernel). */
TV_ALWAYS_INLINE tv_u32x4 tv_voffsets(int32_t s)
{
    return vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)s);
}
/** VADD.I32 (modulo 2^32). */
TV_ALWAYS_INLINE tv_i32x4 tv_vadd32(tv_i32x4 a, tv_i32x4 b) { return vaddq_s32(a, b); }
/** VADD.I32 with a scalar. */
TV_ALWAYS_INLINE tv_i32x4 tv_vadd32_n(tv_i32x4 a, int32_t b) { return vaddq_n_s32(a, b); }
/** acc + a * b (modulo 2^32): VMUL.I32 and VADD.I32 (MVE's VMLA takes a scalar operand only). */
TV_ALWAYS_INLINE tv_i32x4 tv_vmla32(tv_i32x4 acc, tv_i32x4 a, tv_i32x4 b) { return vaddq_s32(acc, vmulq_s32(a, b)); }
/** VSTRB.32: the low byte of each lane. */
TV_ALWAYS_INLINE void tv_vstb32(int8_t *p, tv_i32x4 v) { vstrbq_s32(p, v); }
/** VSTRB.32 predicated. */
TV_ALWAYS_INLINE void tv_vstb32_p(int8_t *p, tv_i32x4 v, tv_pred q) { vstrbq_p_s32(p, v, q); }
/** VSTRB.32 scatter: lane i's low byte to base + off[i]. */
TV_ALWAYS_INLINE void tv_vstb32_scatter(int8_t *base, tv_u32x4 off, tv_i32x4 v) { vstrbq_scatter_offset_s32(base, off, v); }
/** VSTRB.32 scatter, predicated. */
TV_ALWAYS_INLINE void tv_vstb32_scatter_p(int8_t *base, tv_u32x4 off, tv_i32x4 v, tv_pred q)
{
    vstrbq_scatter_offset_p_s32(base, off, v, q);
}
/** VSHL.S32 by a vector of shifts in [0, 31] (modulo 2^32). */
TV_ALWAYS_INLINE tv_i32x4 tv_vshl32(tv_i32x4 a, tv_i32x4 s) { return vshlq_s32(a, s); }
/** VSHL.S32 by a scalar shift in [0, 31]. */
TV_ALWAYS_INLINE tv_i32x4 tv_vshl32_r(tv_i32x4 a, int32_t s) { return vshlq_r_s32(a, s); }
/** VQRDMULH.S32: saturating rounding doubling high multiply (gemmlowp's SaturatingRoundingDoublingHighMul). */
TV_ALWAYS_INLINE tv_i32x4 tv_vqrdmulh32(tv_i32x4 a, tv_i32x4 b) { return vqrdmulhq_s32(a, b); }
TV_ALWAYS_INLINE tv_i32x4 tv_vqrdmulh32_n(tv_i32x4 a, int32_t b) { return vqrdmulhq_n_s32(a, b); }
/** VAND. */
TV_ALWAYS_INLINE tv_i32x4 tv_vand32(tv_i32x4 a, tv_i32x4 b) { return vandq_s32(a, b); }
/** VSHR.S32 #31: -1 for negative lanes, else 0. */
TV_ALWAYS_INLINE tv_i32x4 tv_vsign32(tv_i32x4 a) { return vshrq_n_s32(a, 31); }
/** VQADD.S32. */
TV_ALWAYS_INLINE tv_i32x4 tv_vqadd32(tv_i32x4 a, tv_i32x4 b) { return vqaddq_s32(a, b); }
/** VRSHL.S32 by a vector of shifts in [-31, 0]: a / 2^-s rounded half up. */
TV_ALWAYS_INLINE tv_i32x4 tv_vrshl32(tv_i32x4 a, tv_i32x4 s) { return vrshlq_s32(a, s); }
/** VRSHL.S32 by a scalar shift in [-31, 0]. */
TV_ALWAYS_INLINE tv_i32x4 tv_vrshl32_n(tv_i32x4 a, int32_t s) { return vrshlq_n_s32(a, s); }
/** VMAX.S32 / VMIN.S32. */
TV_ALWAYS_INLINE tv_i32x4 tv_vmax32(tv_i32x4 a, tv_i32x4 b) { return vmaxq_s32(a, b); }
TV_ALWAYS_INLINE tv_i32x4 tv_vmin32(tv_i32x4 a, tv_i32x4 b) { return vminq_s32(a, b); }
/** VMLA.I32 by a scalar: acc + a * s (modulo 2^32). */
TV_ALWAYS_INLINE tv_i32x4 tv_vmla32_n(tv_i32x4 acc, tv_i32x4 a, int32_t s) { return vmlaq_n_s32(acc, a, s); }
/** VQMOVNB.S32 then VQMOVNB.S16: each int32 lane's low byte becomes the lane saturated to int8
 * (the bytes above are undefined). */
TV_ALWAYS_INLINE tv_i32x4 tv_vqmovn8(tv_i32x4 a)
{
    const int16x8_t h = vqmovnbq_s32(vuninitializedq_s16(), a);
    return vreinterpretq_s32_s8(vqmovnbq_s16(vuninitializedq_s8(), h));
}

typedef int16x8_t tv_i16x8;
typedef uint16x8_t tv_u16x8;
/** VCTP.16: int16 lanes [0, n) active. */
TV_ALWAYS_INLINE tv_pred tv_vctp16(int32_t n) { return vctp16q((uint32_t)n); }
/** The 16-bit lane offsets {0, s, ..., 7s} (s <= 9362). */
TV_ALWAYS_INLINE tv_u16x8 tv_voffsets16(int32_t s)
{
    return vmulq_n_u16(vidupq_n_u16(0u, 1), (uint16_t)s);
}
/** VLDRB.S16 gather: lane i = base[off[i]] sign-extended. */
TV_ALWAYS_INLINE tv_i16x8 tv_vldb16_gather(const int8_t *base, tv_u16x8 off) { return vldrbq_gather_offset_s16(base, off); }
/** VLDRB.S16 gather, predicated (inactive lanes 0, not read). */
TV_ALWAYS_INLINE tv_i16x8 tv_vldb16_gather_z(const int8_t *base, tv_u16x8 off, tv_pred q)
{
    return vldrbq_gather_offset_z_s16(base, off, q);
}
/** VSTRB.16: the low byte of each int16 lane. */
TV_ALWAYS_INLINE void tv_vstb16(int8_t *p, tv_i16x8 v) { vstrbq_s16(p, v); }
/** VSTRB.16 predicated. */
TV_ALWAYS_INLINE void tv_vstb16_p(int8_t *p, tv_i16x8 v, tv_pred q) { vstrbq_p_s16(p, v, q); }

#else /* C emulation, lane by lane */

typedef struct {
    int8_t v[16];
} tv_i8x16;
typedef struct {
    int32_t v[4];
} tv_i32x4;
typedef struct {
    uint32_t v[4];
} tv_u32x4;
typedef uint16_t tv_pred;

/** Whether byte lane @p lane of predicate @p q is active. */
static inline int tv_pred_on(tv_pred q, int lane)
{
    return (int)(((uint32_t)q >> (uint32_t)lane) & 1u);
}

static inline tv_pred tv_vctp8(int32_t n)
{
    return (tv_pred)(n >= 16 ? 0xFFFFu : (n <= 0 ? 0u : ((1u << n) - 1u)));
}

static inline tv_pred tv_vctp32(int32_t n)
{
    return tv_vctp8(4 * (n >= 4 ? 4 : (n <= 0 ? 0 : n)));
}

static inline tv_i8x16 tv_vld8(const int8_t *p)
{
    tv_i8x16 r;
    int i;
    for (i = 0; i < 16; ++i) {
        r.v[i] = p[i];
    }
    return r;
}

static inline tv_i8x16 tv_vld8_z(const int8_t *p, tv_pred q)
{
    tv_i8x16 r;
    int i;
    for (i = 0; i < 16; ++i) {
        r.v[i] = (int8_t)(tv_pred_on(q, i) ? p[i] : 0);
    }
    return r;
}

static inline void tv_vst8_p(int8_t *p, tv_i8x16 v, tv_pred q)
{
    int i;
    for (i = 0; i < 16; ++i) {
        if (tv_pred_on(q, i)) {
            p[i] = v.v[i];
        }
    }
}

static inline void tv_vst8(int8_t *p, tv_i8x16 v)
{
    tv_vst8_p(p, v, 0xFFFFu);
}

static inline tv_i8x16 tv_vdup8(int32_t x)
{
    tv_i8x16 r;
    int i;
    for (i = 0; i < 16; ++i) {
        r.v[i] = (int8_t)x;
    }
    return r;
}

static inline int32_t tv_vmladava8(int32_t acc, tv_i8x16 a, tv_i8x16 b)
{
    int i;
    for (i = 0; i < 16; ++i) {
        acc = tv_add_wrap(acc, (int32_t)a.v[i] * (int32_t)b.v[i]);
    }
    return acc;
}

static inline int32_t tv_vmladav8(tv_i8x16 a, tv_i8x16 b)
{
    return tv_vmladava8(0, a, b);
}

static inline tv_i32x4 tv_vldb32_z(const int8_t *p, tv_pred q)
{
    tv_i32x4 r;
    int i;
    for (i = 0; i < 4; ++i) {
        r.v[i] = tv_pred_on(q, 4 * i) ? (int32_t)p[i] : 0;
    }
    return r;
}

static inline tv_i32x4 tv_vldb32(const int8_t *p)
{
    return tv_vldb32_z(p, 0xFFFFu);
}

static inline tv_i32x4 tv_vldw32_z(const int32_t *p, tv_pred q)
{
    tv_i32x4 r;
    int i;
    for (i = 0; i < 4; ++i) {
        r.v[i] = tv_pred_on(q, 4 * i) ? p[i] : 0;
    }
    return r;
}

static inline tv_i32x4 tv_vldw32(const int32_t *p)
{
    return tv_vldw32_z(p, 0xFFFFu);
}

static inline tv_i32x4 tv_vset4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    tv_i32x4 r;
    r.v[0] = a;
    r.v[1] = b;
    r.v[2] = c;
    r.v[3] = d;
    return r;
}

static inline tv_i32x4 tv_vdup32(int32_t x)
{
    return tv_vset4(x, x, x, x);
}

static inline tv_u32x4 tv_voffsets(int32_t s)
{
    tv_u32x4 r;
    uint32_t i;
    for (i = 0; i < 4; ++i) {
        r.v[i] = i * (uint32_t)s;
    }
    return r;
}

static inline tv_i32x4 tv_vadd32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = tv_add_wrap(a.v[i], b.v[i]);
    }
    return a;
}

static inline tv_i32x4 tv_vadd32_n(tv_i32x4 a, int32_t b)
{
    return tv_vadd32(a, tv_vdup32(b));
}

static inline tv_i32x4 tv_vmla32(tv_i32x4 acc, tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        acc.v[i] = (int32_t)((uint32_t)acc.v[i] + (uint32_t)a.v[i] * (uint32_t)b.v[i]);
    }
    return acc;
}

static inline void tv_vstb32_p(int8_t *p, tv_i32x4 v, tv_pred q)
{
    int i;
    for (i = 0; i < 4; ++i) {
        if (tv_pred_on(q, 4 * i)) {
            p[i] = (int8_t)(uint8_t)((uint32_t)v.v[i] & 0xFFu);
        }
    }
}

static inline void tv_vstb32(int8_t *p, tv_i32x4 v)
{
    tv_vstb32_p(p, v, 0xFFFFu);
}

static inline void tv_vstb32_scatter_p(int8_t *base, tv_u32x4 off, tv_i32x4 v, tv_pred q)
{
    int i;
    for (i = 0; i < 4; ++i) {
        if (tv_pred_on(q, 4 * i)) {
            base[off.v[i]] = (int8_t)(uint8_t)((uint32_t)v.v[i] & 0xFFu);
        }
    }
}

static inline void tv_vstb32_scatter(int8_t *base, tv_u32x4 off, tv_i32x4 v)
{
    tv_vstb32_scatter_p(base, off, v, 0xFFFFu);
}

static inline tv_i32x4 tv_vshl32(tv_i32x4 a, tv_i32x4 s)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = tv_shift_left_wrap(a.v[i], s.v[i]);
    }
    return a;
}

static inline tv_i32x4 tv_vshl32_r(tv_i32x4 a, int32_t s)
{
    return tv_vshl32(a, tv_vdup32(s));
}

static inline int32_t tv_vqrdmulh_lane(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    /* (2ab + 2^31) >> 32 == floor((ab + 2^30) / 2^31) */
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

static inline tv_i32x4 tv_vqrdmulh32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = tv_vqrdmulh_lane(a.v[i], b.v[i]);
    }
    return a;
}

static inline tv_i32x4 tv_vqrdmulh32_n(tv_i32x4 a, int32_t b)
{
    return tv_vqrdmulh32(a, tv_vdup32(b));
}

static inline tv_i32x4 tv_vand32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = (int32_t)((uint32_t)a.v[i] & (uint32_t)b.v[i]);
    }
    return a;
}

static inline tv_i32x4 tv_vsign32(tv_i32x4 a)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = a.v[i] < 0 ? -1 : 0;
    }
    return a;
}

static inline tv_i32x4 tv_vqadd32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        const int64_t s = (int64_t)a.v[i] + (int64_t)b.v[i];
        a.v[i] = (int32_t)(s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : s));
    }
    return a;
}

static inline tv_i32x4 tv_vrshl32(tv_i32x4 a, tv_i32x4 s)
{
    int i;
    for (i = 0; i < 4; ++i) {
        const int32_t e = -s.v[i];
        if (e > 0) {
            a.v[i] = (int32_t)(((int64_t)a.v[i] + ((int64_t)1 << (e - 1))) >> e);
        }
    }
    return a;
}

static inline tv_i32x4 tv_vrshl32_n(tv_i32x4 a, int32_t s)
{
    return tv_vrshl32(a, tv_vdup32(s));
}

static inline tv_i32x4 tv_vmax32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    }
    return a;
}

static inline tv_i32x4 tv_vmin32(tv_i32x4 a, tv_i32x4 b)
{
    int i;
    for (i = 0; i < 4; ++i) {
        a.v[i] = a.v[i] < b.v[i] ? a.v[i] : b.v[i];
    }
    return a;
}

static inline tv_i32x4 tv_vmla32_n(tv_i32x4 acc, tv_i32x4 a, int32_t s)
{
    return tv_vmla32(acc, a, tv_vdup32(s));
}

static inline int32_t tv_sat_lane(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline tv_i32x4 tv_vqmovn8(tv_i32x4 a)
{
    int i;
    for (i = 0; i < 4; ++i) {
        /* the low byte of the saturation to int16, then to int8; the bytes above left 0 */
        const int32_t h = tv_sat_lane(a.v[i], INT16_MIN, INT16_MAX);
        a.v[i] = (int32_t)(uint32_t)(uint8_t)(int8_t)tv_sat_lane(h, INT8_MIN, INT8_MAX);
    }
    return a;
}

typedef struct {
    int16_t v[8];
} tv_i16x8;
typedef struct {
    uint16_t v[8];
} tv_u16x8;

static inline tv_pred tv_vctp16(int32_t n)
{
    return tv_vctp8(2 * (n >= 8 ? 8 : (n <= 0 ? 0 : n)));
}

static inline tv_u16x8 tv_voffsets16(int32_t s)
{
    tv_u16x8 r;
    int i;
    for (i = 0; i < 8; ++i) {
        r.v[i] = (uint16_t)((uint32_t)i * (uint32_t)s);
    }
    return r;
}

static inline tv_i16x8 tv_vldb16_gather_z(const int8_t *base, tv_u16x8 off, tv_pred q)
{
    tv_i16x8 r;
    int i;
    for (i = 0; i < 8; ++i) {
        r.v[i] = (int16_t)(tv_pred_on(q, 2 * i) ? base[off.v[i]] : 0);
    }
    return r;
}

static inline tv_i16x8 tv_vldb16_gather(const int8_t *base, tv_u16x8 off)
{
    return tv_vldb16_gather_z(base, off, 0xFFFFu);
}

static inline void tv_vstb16_p(int8_t *p, tv_i16x8 v, tv_pred q)
{
    int i;
    for (i = 0; i < 8; ++i) {
        if (tv_pred_on(q, 2 * i)) {
            p[i] = (int8_t)(uint8_t)((uint16_t)v.v[i] & 0xFFu);
        }
    }
}

static inline void tv_vstb16(int8_t *p, tv_i16x8 v)
{
    tv_vstb16_p(p, v, 0xFFFFu);
}
#endif /* TV_ARM_MVE */

/**
 * TFLite's MultiplyByQuantizedMultiplier(acc, m, shift) + zero point, clamped, on 4 lanes:
 * left shift by @p lsh (= max(shift, 0)), VQRDMULH (== SaturatingRoundingDoublingHighMul),
 * then RoundingDivideByPOT by e = -@p rsh (rsh = min(shift, 0)). VRSHL rounds half up and
 * RoundingDivideByPOT half away from zero: for a negative x they agree on x - 1 (the
 * saturating add of -1 where x < 0 and e > 0: the sign bit of x & rsh), so the result is
 * exact for every x and e in [0, 31].
 */
TV_ALWAYS_INLINE tv_i32x4 tv_mve_requant(tv_i32x4 acc, tv_i32x4 m, tv_i32x4 lsh, tv_i32x4 rsh, int32_t has_lsh,
                                         int32_t zp, tv_i32x4 lo, tv_i32x4 hi)
{
    tv_i32x4 h = tv_vqrdmulh32(has_lsh ? tv_vshl32(acc, lsh) : acc, m);
    h = tv_vqadd32(h, tv_vsign32(tv_vand32(h, rsh)));
    h = tv_vadd32_n(tv_vrshl32(h, rsh), zp);
    return tv_vmin32(tv_vmax32(h, lo), hi);
}

/** tv_mve_requant with one channel's (scalar) multiplier and shifts for all 4 lanes. */
TV_ALWAYS_INLINE tv_i32x4 tv_mve_requant_n(tv_i32x4 acc, int32_t m, int32_t lsh, int32_t rsh, int32_t has_lsh,
                                           int32_t zp, tv_i32x4 lo, tv_i32x4 hi)
{
    tv_i32x4 h = tv_vqrdmulh32_n(has_lsh ? tv_vshl32_r(acc, lsh) : acc, m);
    h = tv_vqadd32(h, tv_vsign32(tv_vand32(h, tv_vdup32(rsh))));
    h = tv_vadd32_n(tv_vrshl32_n(h, rsh), zp);
    return tv_vmin32(tv_vmax32(h, lo), hi);
}

#endif /* TV_MVE_H */
