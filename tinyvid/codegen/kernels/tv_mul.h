/**
 * @file tv_mul.h
 * @brief int8 MUL with broadcasting.
 */
#ifndef TV_MUL_H
#define TV_MUL_H

#include "tv_common.h"

typedef struct {
    tv_broadcast_t bc;
    int32_t in1_offset, in2_offset, out_offset, out_mult, out_shift, act_min, act_max;
} tv_mul_params_t;

void tv_mul_s8(const tv_mul_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* TV_MUL_H */
