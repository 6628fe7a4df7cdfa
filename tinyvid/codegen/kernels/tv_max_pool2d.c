#include "tv_max_pool2d.h"

void tv_max_pool2d_s8(const tv_pool_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t b, oy, ox, c, y, x;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t ys = tv_max_i32(0, -y0);
            const int32_t ye = tv_min_i32(p->k_h, p->in_h - y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t xs = tv_max_i32(0, -x0);
                const int32_t xe = tv_min_i32(p->k_w, p->in_w - x0);
                for (c = 0; c < p->channels; ++c) {
                    int32_t best = INT8_MIN;
                    for (y = ys; y < ye; ++y) {
                        for (x = xs; x < xe; ++x) {
                            best = tv_max_i32(best, in[((b * p->in_h + y0 + y) * p->in_w + x0 + x) * p->channels + c]);
                        }
                    }
                    out[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
                        (int8_t)tv_clamp(best, p->act_min, p->act_max);
                }
            }
        }
    }
}
