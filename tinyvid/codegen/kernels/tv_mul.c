#include "tv_mul.h"

void tv_mul_s8(const tv_mul_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < p->bc.size; ++i) {
        int32_t raw;
        tv_broadcast_offsets(&p->bc, i, &o1, &o2);
        raw = ((int32_t)in1[o1] + p->in1_offset) * ((int32_t)in2[o2] + p->in2_offset);
        raw = tv_mul_by_quantized_mul(raw, p->out_mult, p->out_shift) + p->out_offset;
        out[i] = (int8_t)tv_clamp(raw, p->act_min, p->act_max);
    }
}
