/**
 * @file tv_mean.h
 * @brief int8 MEAN over any set of axes, as TFLM computes it:
 *        (sum - count * in_zp) rescaled by in_scale / (out_scale * count), + out_zp.
 */
#ifndef TV_MEAN_H
#define TV_MEAN_H

#include "tv_common.h"

typedef struct {
    int32_t out_size, count;
    int32_t kept_dims[TV_MAX_RANK];     /**< kept dimensions (size 1 when unused) */
    int32_t kept_strides[TV_MAX_RANK];  /**< their input strides */
    int32_t red_dims[TV_MAX_RANK];      /**< reduced dimensions (size 1 when unused) */
    int32_t red_strides[TV_MAX_RANK];
    int32_t mult, shift;                /**< the rescale, 1/count folded in */
    int32_t in_zp, out_zp;
} tv_mean_params_t;

void tv_mean_s8(const tv_mean_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_MEAN_H */
