/**
 * @file tv_logistic.h
 * @brief int8 sigmoid (output scale 1/256, zero point -128), gemmlowp fixed point.
 */
#ifndef TV_LOGISTIC_H
#define TV_LOGISTIC_H

#include "tv_common.h"

/** Shared by LOGISTIC and TANH: input rescaled to Q4.27. */
typedef struct {
    int32_t size, in_zp, range_radius, in_mult, in_left_shift;
} tv_sigmoid_params_t;

void tv_logistic_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_LOGISTIC_H */
