#include "tv_resize.h"

#include <string.h>

void tv_resize_nearest_s8(const tv_resize_params_t *p, const int32_t *ys, const int32_t *xs, const int8_t *in, int8_t *out)
{
    const int32_t row = p->in_w * p->depth;
    int32_t b, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *image = in + b * p->in_h * row;
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *src = image + ys[y] * row;
            for (x = 0; x < p->out_w; ++x) {
                memcpy(out, src + xs[x] * p->depth, (size_t)p->depth);
                out += p->depth;
            }
        }
    }
}

void tv_resize_bilinear_s8(const tv_resize_params_t *p, const int32_t *ys, const int32_t *xs, const int8_t *in, int8_t *out)
{
    const int32_t row = p->in_w * p->depth;
    int32_t b, y, x, c;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *image = in + b * p->in_h * row;
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *r0 = image + ys[3 * y] * row;
            const int8_t *r1 = image + ys[3 * y + 1] * row;
            const int64_t wy1 = ys[3 * y + 2];
            const int64_t wy0 = 1024 - wy1;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t c0 = xs[3 * x] * p->depth;
                const int32_t c1 = xs[3 * x + 1] * p->depth;
                const int64_t wx1 = xs[3 * x + 2];
                const int64_t wx0 = 1024 - wx1;
                for (c = 0; c < p->depth; ++c) {
                    const int64_t v = (int64_t)r0[c0 + c] * wy0 * wx0 + (int64_t)r1[c0 + c] * wy1 * wx0
                                    + (int64_t)r0[c1 + c] * wy0 * wx1 + (int64_t)r1[c1 + c] * wy1 * wx1;
                    const int64_t round = v > 0 ? ((int64_t)1 << 19) : -((int64_t)1 << 19);
                    *out++ = (int8_t)((v + round) / ((int64_t)1 << 20));
                }
            }
        }
    }
}
