/**
 * @file tv_gather.h
 * @brief int8 GATHER along one axis with constant indices.
 */
#ifndef TV_GATHER_H
#define TV_GATHER_H

#include "tv_common.h"

typedef struct {
    int32_t outer;      /**< product of the dimensions before the axis */
    int32_t axis_size;  /**< input size along the axis */
    int32_t count;      /**< number of indices */
    int32_t inner;      /**< product of the dimensions after the axis */
} tv_gather_params_t;

/** out[o][j][:] = in[o][indices[j]][:]; every index is in [0, axis_size). */
void tv_gather_s8(const tv_gather_params_t *p, const int8_t *in, const int32_t *indices, int8_t *out);

#endif /* TV_GATHER_H */
