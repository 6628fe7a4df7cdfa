#include "tv_logistic.h"

#include "tv_fixedpoint.h"

/** logistic(a) for a with 4 integer bits; result with 0 integer bits. */
static int32_t tv_fp_logistic_q4(int32_t a)
{
    const int32_t abs_a = a > 0 ? a : tv_add_wrap(0, -a);
    const int32_t positive = tv_fp_one_over_one_plus_x(tv_fp_exp_on_negative(tv_add_wrap(0, -abs_a), 4));
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    return a > 0 ? positive : tv_add_wrap(INT32_MAX, -positive);
}

void tv_logistic_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)in[i] - p->in_zp;
        if (x <= -p->range_radius) {
            out[i] = INT8_MIN;
        } else if (x >= p->range_radius) {
            out[i] = INT8_MAX;
        } else {
            const int32_t q4 = tv_mul_by_quantized_mul(x, p->in_mult, p->in_left_shift);
            const int32_t q0 = tv_fp_logistic_q4(q4);
            out[i] = (int8_t)tv_clamp(tv_rounding_divide_by_pot(q0, 23) - 128, INT8_MIN, INT8_MAX);
        }
    }
}
