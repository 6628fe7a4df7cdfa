#include "tv_pad.h"

void tv_pad_s8(const tv_pad_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i, d;
    for (i = 0; i < p->out_size; ++i) {
        int32_t rest = i;
        int32_t offset = 0;
        int32_t stride = 1;
        int inside = 1;
        for (d = TV_MAX_RANK - 1; d >= 0; --d) {
            const int32_t j = rest % p->out_dims[d] - p->before[d];
            rest /= p->out_dims[d];
            if (j < 0 || j >= p->in_dims[d]) {
                inside = 0;
                break;
            }
            offset += j * stride;
            stride *= p->in_dims[d];
        }
        out[i] = inside ? in[offset] : (int8_t)p->pad_value;
    }
}
