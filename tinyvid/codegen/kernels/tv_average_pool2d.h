/**
 * @file tv_average_pool2d.h
 * @brief int8 average pooling; padding cells are not counted (TFLite semantics).
 */
#ifndef TV_AVERAGE_POOL2D_H
#define TV_AVERAGE_POOL2D_H

#include "tv_pool.h"

/** @return 0, or -1 when a window holds no input cell */
int tv_average_pool2d_s8(const tv_pool_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_AVERAGE_POOL2D_H */
