/**
 * @file tv_conv2d.h
 * @brief int8 2-D convolution (NHWC input, OHWI filter), grouped, dilated.
 */
#ifndef TV_CONV2D_H
#define TV_CONV2D_H

#include "tv_common.h"

/** Geometry and quantization of one CONV_2D. */
typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, k_c;        /**< filter height, width and input channels per group */
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset;            /**< minus the input zero point */
    int32_t out_offset;           /**< the output zero point */
    int32_t act_min, act_max;     /**< fused activation clamp, int8 range */
} tv_conv2d_params_t;

/**
 * out = requantize(conv(in + in_offset, filter) + bias), per output channel.
 * @param bias int32 per output channel, or NULL
 * @param wsum sum of each output channel's filter (lets full windows skip the input offset)
 * @param mult Q0.31 multiplier per output channel
 * @param shift power-of-two shift per output channel (negative: right)
 */
void tv_conv2d_s8(const tv_conv2d_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias,
                  const int32_t *wsum, const int32_t *mult, const int32_t *shift, int8_t *out);

#endif /* TV_CONV2D_H */
