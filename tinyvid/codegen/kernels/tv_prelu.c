#include "tv_prelu.h"

void tv_prelu_s8(const tv_prelu_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < p->bc.size; ++i) {
        int32_t x, v;
        tv_broadcast_offsets(&p->bc, i, &o1, &o2);
        x = (int32_t)in[o1] + p->in_offset;
        if (x >= 0) {
            v = tv_mul_by_quantized_mul(x, p->mult_identity, p->shift_identity);
        } else {
            v = tv_mul_by_quantized_mul(x * ((int32_t)alpha[o2] + p->alpha_offset), p->mult_alpha, p->shift_alpha);
        }
        out[i] = (int8_t)tv_clamp(v + p->out_offset, INT8_MIN, INT8_MAX);
    }
}
