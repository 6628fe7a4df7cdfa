#include "tv_requantize.h"

void tv_requantize_s8(const tv_requantize_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = p->out_zp + tv_mul_by_quantized_mul((int32_t)in[i] - p->in_zp, p->mult, p->shift);
        out[i] = (int8_t)tv_clamp(v, p->act_min, p->act_max);
    }
}
