#include "tv_space_batch.h"

#include <string.h>

void tv_space_to_batch_s8(const tv_space_batch_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t ob, oy, ox;
    for (ob = 0; ob < p->out_b; ++ob) {
        const int32_t b = ob % p->in_b;
        const int32_t shift_w = (ob / p->in_b) % p->block_w;
        const int32_t shift_h = (ob / p->in_b) / p->block_w;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy = oy * p->block_h + shift_h - p->top;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix = ox * p->block_w + shift_w - p->left;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                    memset(out, p->pad_value, (size_t)p->depth);
                } else {
                    memcpy(out, in + ((b * p->in_h + iy) * p->in_w + ix) * p->depth, (size_t)p->depth);
                }
                out += p->depth;
            }
        }
    }
}

void tv_batch_to_space_s8(const tv_space_batch_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t ib, iy, ix;
    for (ib = 0; ib < p->in_b; ++ib) {
        const int32_t b = ib % p->out_b;
        const int32_t spatial = ib / p->out_b;
        for (iy = 0; iy < p->in_h; ++iy) {
            const int32_t oy = iy * p->block_h + spatial / p->block_w - p->top;
            if (oy < 0 || oy >= p->out_h) {
                continue;
            }
            for (ix = 0; ix < p->in_w; ++ix) {
                const int32_t ox = ix * p->block_w + spatial % p->block_w - p->left;
                if (ox < 0 || ox >= p->out_w) {
                    continue;
                }
                memcpy(out + ((b * p->out_h + oy) * p->out_w + ox) * p->depth,
                       in + ((ib * p->in_h + iy) * p->in_w + ix) * p->depth, (size_t)p->depth);
            }
        }
    }
}
