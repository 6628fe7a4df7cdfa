#include "tv_conv_dsp.h"

#include <string.h>

void tv_conv_dsp_gather(const tv_conv_dsp_window_t *w, const int8_t *in, int32_t y0, int32_t x0, int8_t *stage)
{
    const int32_t c = w->in_c;
    const size_t bytes = (size_t)c;
    int32_t ky, kx;
    for (ky = 0; ky < w->k_h; ++ky) {
        const int32_t y = y0 + ky * w->dil_h;
        const int row_inside = y >= 0 && y < w->in_h;
        for (kx = 0; kx < w->k_w; ++kx) {
            const int32_t x = x0 + kx * w->dil_w;
            int8_t *dst = stage + ky * w->stage_y + kx * w->stage_x;
            if (row_inside && x >= 0 && x < w->in_w) {
                memcpy(dst, in + ((size_t)y * (size_t)w->in_w + (size_t)x) * bytes, bytes);
            } else {
                memset(dst, w->zero_point, bytes);
            }
        }
    }
}
