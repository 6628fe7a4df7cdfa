/**
 * @file tv_slice.h
 * @brief int8 strided view copy: SLICE, STRIDED_SLICE and TRANSPOSE (any affine
 *        map from output indices to input offsets, up to TV_SLICE_RANK dimensions).
 */
#ifndef TV_SLICE_H
#define TV_SLICE_H

#include "tv_common.h"

#define TV_SLICE_RANK 6

typedef struct {
    int32_t size;                   /**< output elements */
    int32_t start;                  /**< input offset of output element 0 */
    int32_t dims[TV_SLICE_RANK];    /**< output shape, padded in front with 1 */
    int32_t steps[TV_SLICE_RANK];   /**< input offset step per output index along each dimension (may be negative) */
} tv_slice_params_t;

/** out[i0..i5] = in[start + sum_d i_d * steps[d]], output in row-major order. */
void tv_slice_s8(const tv_slice_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_SLICE_H */
