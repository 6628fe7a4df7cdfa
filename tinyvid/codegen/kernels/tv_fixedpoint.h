/**
 * @file tv_fixedpoint.h
 * @brief Fixed-point exp, reciprocal, logistic and tanh on int32 raw values, as in
 *        gemmlowp's fixedpoint library that TFLite's int8 softmax, logistic and tanh use.
 *
 * A value with I integer bits is stored as raw / 2^(31 - I).
 */
#ifndef TV_FIXEDPOINT_H
#define TV_FIXEDPOINT_H

#include "tv_common.h"

/** x * 2^exponent, saturating for exponent > 0, rounding for exponent < 0. */
static inline int32_t tv_fp_mul_pot(int32_t x, int32_t exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return tv_shift_left_wrap(x, exponent);
    }
    if (exponent < 0) {
        return tv_rounding_divide_by_pot(x, -exponent);
    }
    return x;
}

/** Fixed-point product: integer bits add up. */
static inline int32_t tv_fp_mul(int32_t a, int32_t b)
{
    return tv_sat_round_doubling_high_mul(a, b);
}

/** exp(a) for a in [-1/4, 0), a and the result with 0 integer bits. */
static inline int32_t tv_fp_exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t one_third = 715827883;        /* 1/3 */
    const int32_t x = tv_add_wrap(a, (int32_t)1 << 28);
    const int32_t x2 = tv_fp_mul(x, x);
    const int32_t x3 = tv_fp_mul(x2, x);
    const int32_t x4 = tv_fp_mul(x2, x2);
    const int32_t x4_over_4 = tv_fp_mul_pot(x4, -2);
    const int32_t poly = tv_fp_mul_pot(tv_add_wrap(tv_fp_mul(tv_add_wrap(x4_over_4, x3), one_third), x2), -1);
    return tv_add_wrap(constant_term, tv_fp_mul(constant_term, tv_add_wrap(x, poly)));
}

/** exp(a) for a <= 0 with integer_bits integer bits; result with 0 integer bits. */
static inline int32_t tv_fp_exp_on_negative(int32_t a, int32_t integer_bits)
{
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t frac_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod = (a & mask) - one_quarter;
    const int32_t remainder = tv_add_wrap(a_mod, -a);
    int32_t result = tv_fp_exp_quarter(tv_fp_mul_pot(a_mod, integer_bits));
    int32_t e;
    for (e = -2; e <= 4; ++e) {
        if (integer_bits > e) {
            const int32_t bit = frac_bits + e;
            if (remainder & (int32_t)((uint32_t)1 << bit)) {
                result = tv_fp_mul(result, multipliers[e + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        if (a < -((int32_t)1 << (36 - integer_bits))) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

/** 1 / (1 + a) for a in [0, 1), 0 integer bits in and out (Newton-Raphson). */
static inline int32_t tv_fp_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810;          /* 48/17, 2 integer bits */
    const int32_t cneg32_17 = -1010580540;      /* -32/17, 2 integer bits */
    const int32_t one_f2 = (int32_t)1 << 29;
    int32_t x = tv_add_wrap(c48_17, tv_fp_mul(half_denominator, cneg32_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus = tv_add_wrap(one_f2, -tv_fp_mul(half_denominator, x));
        x = tv_add_wrap(x, tv_fp_mul_pot(tv_fp_mul(x, one_minus), 2));
    }
    return tv_fp_mul_pot(x, 1);
}

/** (1 - a) / (1 + a) for a in [0, 1), 0 integer bits in and out. */
static inline int32_t tv_fp_one_minus_x_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_17 = 1515870810;
    const int32_t cneg32_17 = -1010580540;
    const int32_t one_f2 = (int32_t)1 << 29;
    int32_t x = tv_add_wrap(c48_17, tv_fp_mul(half_denominator, cneg32_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus = tv_add_wrap(one_f2, -tv_fp_mul(half_denominator, x));
        x = tv_add_wrap(x, tv_fp_mul_pot(tv_fp_mul(x, one_minus), 2));
    }
    return tv_fp_mul_pot(tv_add_wrap(x, -one_f2), 2);
}

/** Number of leading zero bits of a 32-bit value (32 for 0). */
static inline int32_t tv_count_leading_zeros(uint32_t x)
{
    int32_t n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

#endif /* TV_FIXEDPOINT_H */
