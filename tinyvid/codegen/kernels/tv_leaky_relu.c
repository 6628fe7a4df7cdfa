#include "tv_leaky_relu.h"

void tv_leaky_relu_s8(const tv_leaky_relu_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)in[i] - p->in_zp;
        const int32_t v = x >= 0 ? tv_mul_by_quantized_mul(x, p->mult_identity, p->shift_identity)
                                 : tv_mul_by_quantized_mul(x, p->mult_alpha, p->shift_alpha);
        out[i] = (int8_t)tv_clamp(p->out_zp + v, INT8_MIN, INT8_MAX);
    }
}
