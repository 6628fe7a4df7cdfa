#include "tv_squared_difference.h"

void tv_squared_difference_s8(const tv_squared_difference_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < p->bc.size; ++i) {
        int32_t a, b, diff, v;
        tv_broadcast_offsets(&p->bc, i, &o1, &o2);
        a = tv_mul_by_quantized_mul(((int32_t)in1[o1] + p->in1_offset) * (1 << p->left_shift), p->in1_mult, p->in1_shift);
        b = tv_mul_by_quantized_mul(((int32_t)in2[o2] + p->in2_offset) * (1 << p->left_shift), p->in2_mult, p->in2_shift);
        diff = a - b;
        v = tv_mul_by_quantized_mul(diff * diff, p->out_mult, p->out_shift) + p->out_offset;
        out[i] = (int8_t)tv_clamp(v, INT8_MIN, INT8_MAX);
    }
}
