#include "tv_hard_swish.h"

/** x * 2^amount saturated to int16 (amount in [0, 31]). */
static int32_t tv_sat_shift16(int32_t x, int32_t amount)
{
    const int64_t v = (int64_t)x * ((int64_t)1 << amount);
    return v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : (int32_t)v);
}

/** 16-bit saturating rounding doubling high multiply. */
static int32_t tv_srdhm16(int32_t a, int32_t b)
{
    const int32_t ab = a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)((ab + nudge) / (1 << 15));
}

/** 16-bit saturating doubling high multiply, rounding toward zero. */
static int32_t tv_sdhm16(int32_t a, int32_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    return (int16_t)((a * b) / (1 << 15));
}

void tv_hard_swish_s8(const tv_hard_swish_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t hires = ((int32_t)in[i] - p->in_zp) * 128;
        const int32_t preshift_out = tv_srdhm16(hires, p->out_mult16);
        int32_t reluish = hires;
        int32_t v;
        if (p->reluish_exponent > 0) {
            reluish = tv_sat_shift16(reluish, p->reluish_exponent - 1);
        }
        reluish = tv_srdhm16(reluish, p->reluish_mult16);
        if (p->reluish_exponent > 0) {
            reluish = tv_sat_shift16(reluish, 1);
        }
        if (p->reluish_exponent < 0) {
            reluish = tv_rounding_divide_by_pot(reluish, -p->reluish_exponent);
        }
        reluish = (reluish + (1 << 15)) >> 1;
        v = tv_rounding_divide_by_pot(tv_sdhm16(reluish, preshift_out), -p->out_exponent) + p->out_zp;
        out[i] = (int8_t)tv_clamp(v, INT8_MIN, INT8_MAX);
    }
}
