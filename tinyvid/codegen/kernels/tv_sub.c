#include "tv_sub.h"

void tv_sub_s8(const tv_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < p->bc.size; ++i) {
        int32_t a, b, raw;
        tv_broadcast_offsets(&p->bc, i, &o1, &o2);
        a = tv_mul_by_quantized_mul(tv_shift_left_wrap(in1[o1] + p->in1_offset, p->left_shift), p->in1_mult, p->in1_shift);
        b = tv_mul_by_quantized_mul(tv_shift_left_wrap(in2[o2] + p->in2_offset, p->left_shift), p->in2_mult, p->in2_shift);
        raw = tv_mul_by_quantized_mul(tv_add_wrap(a, -b), p->out_mult, p->out_shift) + p->out_offset;
        out[i] = (int8_t)tv_clamp(raw, p->act_min, p->act_max);
    }
}
