/**
 * @file tv_pad.h
 * @brief int8 constant padding of a tensor of up to TV_MAX_RANK dimensions.
 */
#ifndef TV_PAD_H
#define TV_PAD_H

#include "tv_common.h"

typedef struct {
    int32_t out_size;
    int32_t in_dims[TV_MAX_RANK];
    int32_t out_dims[TV_MAX_RANK];
    int32_t before[TV_MAX_RANK];
    int32_t pad_value;
} tv_pad_params_t;

void tv_pad_s8(const tv_pad_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_PAD_H */
