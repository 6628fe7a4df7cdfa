/**
 * @file tv_hard_swish.h
 * @brief int8 hard swish, x * relu6(x + 3) / 6, in TFLite's 16-bit fixed point.
 */
#ifndef TV_HARD_SWISH_H
#define TV_HARD_SWISH_H

#include "tv_common.h"

typedef struct {
    int32_t size, in_zp, out_zp;
    int32_t out_mult16, out_exponent;          /**< hires input scale -> output scale */
    int32_t reluish_mult16, reluish_exponent;  /**< hires input scale -> 3.0 == 32768 */
} tv_hard_swish_params_t;

void tv_hard_swish_s8(const tv_hard_swish_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_HARD_SWISH_H */
