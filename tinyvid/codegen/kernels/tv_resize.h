/**
 * @file tv_resize.h
 * @brief int8 RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (NHWC), with TFLite's
 *        source coordinates precomputed per output row and column.
 */
#ifndef TV_RESIZE_H
#define TV_RESIZE_H

#include "tv_common.h"

typedef struct {
    int32_t batches, in_h, in_w, depth, out_h, out_w;
} tv_resize_params_t;

/** ys[out_h], xs[out_w]: the input row / column each output row / column copies. */
void tv_resize_nearest_s8(const tv_resize_params_t *p, const int32_t *ys, const int32_t *xs, const int8_t *in, int8_t *out);

/**
 * ys[3 * out_h], xs[3 * out_w]: per output row (column) the two input rows (columns)
 * it blends and the weight of the second in 1/1024 (TFLite's integer bilinear
 * interpolation; the result is rounded half away from zero from 1/2^20).
 */
void tv_resize_bilinear_s8(const tv_resize_params_t *p, const int32_t *ys, const int32_t *xs, const int8_t *in, int8_t *out);

#endif /* TV_RESIZE_H */
