#include "tv_conv2d.h"

void tv_conv2d_s8(const tv_conv2d_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias,
                  const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t groups = p->in_c / p->k_c;
    const int32_t per_group = p->out_c / groups;
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t c0 = (oc / per_group) * p->k_c;
                    int32_t acc = 0;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t y = y0 + p->dil_h * ky;
                        if (y < 0 || y >= p->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t x = x0 + p->dil_w * kx;
                            const int8_t *ip;
                            const int8_t *fp;
                            if (x < 0 || x >= p->in_w) {
                                continue;
                            }
                            ip = in + ((b * p->in_h + y) * p->in_w + x) * p->in_c + c0;
                            fp = filter + ((oc * p->k_h + ky) * p->k_w + kx) * p->k_c;
                            for (ic = 0; ic < p->k_c; ++ic) {
                                acc += (int32_t)fp[ic] * ((int32_t)ip[ic] + p->in_offset);
                            }
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
