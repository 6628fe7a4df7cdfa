#include "tv_depthwise_conv2d.h"

void tv_depthwise_conv2d_s8(const tv_depthwise_conv2d_params_t *p, const int8_t *in, const int8_t *filter,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_mult; ++m) {
                        const int32_t oc = ic * p->depth_mult + m;
                        int32_t acc = 0;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int32_t y = y0 + p->dil_h * ky;
                            if (y < 0 || y >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t x = x0 + p->dil_w * kx;
                                if (x < 0 || x >= p->in_w) {
                                    continue;
                                }
                                acc += (int32_t)filter[(ky * p->k_w + kx) * p->out_c + oc] *
                                       ((int32_t)in[((b * p->in_h + y) * p->in_w + x) * p->in_c + ic] +
                                        p->in_offset);
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        acc = tv_mul_by_quantized_mul(acc, mult[oc], shift[oc]) + p->out_offset;
                        out[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            (int8_t)tv_clamp(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
