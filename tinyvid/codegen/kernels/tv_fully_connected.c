#include "tv_fully_connected.h"

void tv_fully_connected_s8(const tv_fully_connected_params_t *p, const int8_t *in, const int8_t *weights,
                           const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out)
{
    int32_t b, u, d;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * p->depth;
        for (u = 0; u < p->units; ++u) {
            const int8_t *w = weights + u * p->depth;
            const int32_t q = p->per_channel ? u : 0;
            int32_t acc = 0;
            for (d = 0; d < p->depth; ++d) {
                acc += ((int32_t)w[d] + p->w_offset) * ((int32_t)x[d] + p->in_offset);
            }
            if (bias) {
                acc += bias[u];
            }
            acc = tv_mul_by_quantized_mul(acc, mult[q], shift[q]) + p->out_offset;
            out[b * p->units + u] = (int8_t)tv_clamp(acc, p->act_min, p->act_max);
        }
    }
}
