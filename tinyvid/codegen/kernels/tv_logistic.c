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
    /* Q0.31 in [0, 1) -> scale 1/256, zero point -128 */
    tv_sigmoid_like_s8(p, in, out, tv_fp_logistic_q4, 23, -128);
}
