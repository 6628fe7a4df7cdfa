#include "tv_tanh.h"

#include "tv_fixedpoint.h"

/** tanh(a) for a with 4 integer bits; result with 0 integer bits. */
static int32_t tv_fp_tanh_q4(int32_t a)
{
    const int32_t n = a < 0 ? a : tv_add_wrap(0, -a);
    /* exp(2n): doubling the value is exact by adding one integer bit */
    const int32_t t = tv_fp_one_minus_x_over_one_plus_x(tv_fp_exp_on_negative(n, 5));
    if (a == 0) {
        return 0;
    }
    return a < 0 ? tv_add_wrap(0, -t) : t;
}

void tv_tanh_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out)
{
    /* Q0.31 in (-1, 1) -> scale 1/128, zero point 0 */
    tv_sigmoid_like_s8(p, in, out, tv_fp_tanh_q4, 24, 0);
}
