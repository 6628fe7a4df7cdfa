/**
 * @file tv_max_pool2d.h
 * @brief int8 max pooling.
 */
#ifndef TV_MAX_POOL2D_H
#define TV_MAX_POOL2D_H

#include "tv_pool.h"

void tv_max_pool2d_s8(const tv_pool_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_MAX_POOL2D_H */
