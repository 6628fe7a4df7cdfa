/**
 * @file tv_add.h
 * @brief int8 ADD with broadcasting (TFLite's rescale-to-common-scale arithmetic).
 */
#ifndef TV_ADD_H
#define TV_ADD_H

#include "tv_common.h"

/** Quantization of a binary ADD or SUB. */
typedef struct {
    tv_broadcast_t bc;
    int32_t in1_offset, in2_offset, out_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t act_min, act_max;
} tv_add_params_t;

void tv_add_s8(const tv_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* TV_ADD_H */
