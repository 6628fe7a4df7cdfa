/**
 * @file tv_depthwise_conv2d.h
 * @brief int8 depthwise 2-D convolution with any depth multiplier.
 */
#ifndef TV_DEPTHWISE_CONV2D_H
#define TV_DEPTHWISE_CONV2D_H

#include "tv_common.h"

/** Geometry and quantization of one DEPTHWISE_CONV_2D; out_c = in_c * depth_mult. */
typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, depth_mult;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
} tv_depthwise_conv2d_params_t;

/**
 * Filter layout [1, k_h, k_w, out_c]; output channel oc = ic * depth_mult + m.
 * @param bias int32 per output channel, or NULL
 */
void tv_depthwise_conv2d_s8(const tv_depthwise_conv2d_params_t *p, const int8_t *in, const int8_t *filter,
                            const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out);

#endif /* TV_DEPTHWISE_CONV2D_H */
