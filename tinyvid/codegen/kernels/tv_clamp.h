/**
 * @file tv_clamp.h
 * @brief int8 clamp to [lo, hi] without rescaling (RELU6, as TFLM computes it).
 */
#ifndef TV_CLAMP_H
#define TV_CLAMP_H

#include "tv_common.h"

typedef struct {
    int32_t size, lo, hi;
} tv_clamp_params_t;

void tv_clamp_s8(const tv_clamp_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_CLAMP_H */
