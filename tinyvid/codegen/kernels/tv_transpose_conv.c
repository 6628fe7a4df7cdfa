#include "tv_transpose_conv.h"

void tv_transpose_conv_s8(const tv_transpose_conv_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, int8_t *out)
{
    int32_t b, oy, ox, oc, fy, fx, c;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *image = in + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (oc = 0; oc < p->out_c; ++oc) {
                    int32_t acc = 0;
                    for (fy = 0; fy < p->k_h; ++fy) {
                        const int32_t ty = oy + p->pad_h - fy;
                        int32_t iy;
                        if (ty < 0 || ty % p->stride_h != 0) {
                            continue;
                        }
                        iy = ty / p->stride_h;
                        if (iy >= p->in_h) {
                            continue;
                        }
                        for (fx = 0; fx < p->k_w; ++fx) {
                            const int32_t tx = ox + p->pad_w - fx;
                            const int8_t *x;
                            const int8_t *w;
                            int32_t ix;
                            if (tx < 0 || tx % p->stride_w != 0) {
                                continue;
                            }
                            ix = tx / p->stride_w;
                            if (ix >= p->in_w) {
                                continue;
                            }
                            x = image + (iy * p->in_w + ix) * p->in_c;
                            w = filter + ((oc * p->k_h + fy) * p->k_w + fx) * p->in_c;
                            for (c = 0; c < p->in_c; ++c) {
                                acc += ((int32_t)x[c] + p->in_offset) * (int32_t)w[c];
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    acc = tv_mul_by_quantized_mul(acc, mult[oc], shift[oc]) + p->out_offset;
                    *out++ = (int8_t)tv_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
