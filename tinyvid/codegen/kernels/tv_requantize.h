/**
 * @file tv_requantize.h
 * @brief int8 -> int8 rescale: out = clamp(out_zp + x * M), x = in - in_zp (QUANTIZE, RELU).
 */
#ifndef TV_REQUANTIZE_H
#define TV_REQUANTIZE_H

#include "tv_common.h"

typedef struct {
    int32_t size, in_zp, out_zp, mult, shift, act_min, act_max;
} tv_requantize_params_t;

void tv_requantize_s8(const tv_requantize_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_REQUANTIZE_H */
