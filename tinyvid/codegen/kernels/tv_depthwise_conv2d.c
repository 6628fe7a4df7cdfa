#include "tv_depthwise_conv2d.h"

void tv_depthwise_conv2d_s8(const tv_depthwise_conv2d_params_t *p, const int8_t *in, const int8_t *filter,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
    const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c;
    const int32_t k_h = p->k_h, k_w = p->k_w, dm = p->depth_mult;
    const int32_t dil_h = p->dil_h, dil_w = p->dil_w;
    const int32_t in_offset = p->in_offset, out_offset = p->out_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            tv_tap_range(y0, dil_h, k_h, in_h, &ky0, &ky1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *o = out + ((b * out_h + oy) * out_w + ox) * out_c;
                int32_t kx0, kx1;
                tv_tap_range(x0, dil_w, k_w, in_w, &kx0, &kx1);
                for (ic = 0; ic < in_c; ++ic) {
                    for (m = 0; m < dm; ++m) {
                        const int32_t oc = ic * dm + m;
                        int32_t acc = bias ? bias[oc] : 0;
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int8_t *ip = in_b + ((y0 + dil_h * ky) * in_w + x0 + dil_w * kx0) * in_c + ic;
                            const int8_t *fp = filter + (ky * k_w + kx0) * out_c + oc;
                            for (kx = kx0; kx < kx1; ++kx) {
                                acc += (int32_t)*fp * ((int32_t)*ip + in_offset);
                                ip += dil_w * in_c;
                                fp += out_c;
                            }
                        }
                        acc = tv_mul_by_quantized_mul(acc, mult[oc], shift[oc]) + out_offset;
                        o[oc] = (int8_t)tv_clamp(acc, act_min, act_max);
                    }
                }
            }
        }
    }
}
