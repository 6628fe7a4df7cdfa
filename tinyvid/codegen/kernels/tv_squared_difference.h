/**
 * @file tv_squared_difference.h
 * @brief int8 SQUARED_DIFFERENCE with broadcasting: both inputs rescaled to twice the
 *        larger scale after a left shift of 7, the squared difference requantized.
 */
#ifndef TV_SQUARED_DIFFERENCE_H
#define TV_SQUARED_DIFFERENCE_H

#include "tv_common.h"

typedef struct {
    tv_broadcast_t bc;
    int32_t in1_offset, in2_offset, out_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
} tv_squared_difference_params_t;

void tv_squared_difference_s8(const tv_squared_difference_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* TV_SQUARED_DIFFERENCE_H */
