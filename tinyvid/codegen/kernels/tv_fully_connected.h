/**
 * @file tv_fully_connected.h
 * @brief int8 fully connected layer (weights [units, depth]).
 */
#ifndef TV_FULLY_CONNECTED_H
#define TV_FULLY_CONNECTED_H

#include "tv_common.h"

typedef struct {
    int32_t batches, depth, units;
    int32_t in_offset, w_offset, out_offset, act_min, act_max;
    int32_t per_channel;          /**< 1: one multiplier per unit, 0: one for all */
} tv_fully_connected_params_t;

/** @param bias int32 per unit, or NULL */
void tv_fully_connected_s8(const tv_fully_connected_params_t *p, const int8_t *in, const int8_t *weights,
                           const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out);

#endif /* TV_FULLY_CONNECTED_H */
