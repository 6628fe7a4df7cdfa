#include "tv_softmax.h"

#include "tv_fixedpoint.h"

#define TV_SOFTMAX_DIFF_BITS 5
#define TV_SOFTMAX_ACC_BITS 12

static int32_t tv_softmax_scaled_diff(const tv_softmax_params_t *p, int32_t diff)
{
    return tv_sat_round_doubling_high_mul(tv_shift_left_wrap(diff, p->in_left_shift), p->in_mult);
}

void tv_softmax_s8(const tv_softmax_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int8_t *x = in + i * p->depth;
        int8_t *y = out + i * p->depth;
        int32_t max_in_row = INT8_MIN;
        int32_t sum = 0;
        int32_t headroom, bits_over_unit, scale, exponent;
        for (c = 0; c < p->depth; ++c) {
            max_in_row = tv_max_i32(max_in_row, x[c]);
        }
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t e = tv_fp_exp_on_negative(tv_softmax_scaled_diff(p, diff), TV_SOFTMAX_DIFF_BITS);
                sum = tv_add_wrap(sum, tv_fp_mul_pot(e, -TV_SOFTMAX_ACC_BITS));
            }
        }
        headroom = tv_count_leading_zeros((uint32_t)sum);
        bits_over_unit = TV_SOFTMAX_ACC_BITS - headroom;
        scale = tv_fp_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - ((uint32_t)1 << 31)));
        exponent = bits_over_unit + 31 - 8;
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t e = tv_fp_exp_on_negative(tv_softmax_scaled_diff(p, diff), TV_SOFTMAX_DIFF_BITS);
                const int32_t unsat = tv_rounding_divide_by_pot(tv_fp_mul(scale, e), exponent);
                y[c] = (int8_t)tv_clamp(unsat - 128, INT8_MIN, INT8_MAX);
            } else {
                y[c] = INT8_MIN;
            }
        }
    }
}
