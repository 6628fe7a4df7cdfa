/**
 * @file tv_transpose_conv.h
 * @brief int8 TRANSPOSE_CONV (NHWC input, OHWI filter), per-channel requantization,
 *        computed per output pixel: the same int32 sums as TFLite's scatter form,
 *        without its int32 scratch buffer of the output's size.
 */
#ifndef TV_TRANSPOSE_CONV_H
#define TV_TRANSPOSE_CONV_H

#include "tv_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
} tv_transpose_conv_params_t;

/** Input pixel (iy, ix) filter tap (fy, fx) lands on output (iy * stride - pad + fy, ...). bias may be NULL. */
void tv_transpose_conv_s8(const tv_transpose_conv_params_t *p, const int8_t *in, const int8_t *filter, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, int8_t *out);

#endif /* TV_TRANSPOSE_CONV_H */
