#include "tv_mean.h"

static int32_t tv_offset(const int32_t *dims, const int32_t *strides, int32_t index)
{
    int32_t d;
    int32_t offset = 0;
    for (d = TV_MAX_RANK - 1; d >= 0; --d) {
        offset += (index % dims[d]) * strides[d];
        index /= dims[d];
    }
    return offset;
}

void tv_mean_s8(const tv_mean_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t o, r;
    for (o = 0; o < p->out_size; ++o) {
        const int32_t base = tv_offset(p->kept_dims, p->kept_strides, o);
        int32_t sum = 0;
        for (r = 0; r < p->count; ++r) {
            sum += in[base + tv_offset(p->red_dims, p->red_strides, r)];
        }
        sum = tv_mul_by_quantized_mul(sum - p->count * p->in_zp, p->mult, p->shift) + p->out_zp;
        out[o] = (int8_t)tv_clamp(sum, INT8_MIN, INT8_MAX);
    }
}
