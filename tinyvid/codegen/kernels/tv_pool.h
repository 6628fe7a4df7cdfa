/**
 * @file tv_pool.h
 * @brief Geometry of the int8 pooling kernels (average and max).
 */
#ifndef TV_POOL_H
#define TV_POOL_H

#include "tv_common.h"

typedef struct {
    int32_t batches, in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} tv_pool_params_t;

#endif /* TV_POOL_H */
