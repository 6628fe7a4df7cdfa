/**
 * @file tv_softmax.h
 * @brief int8 softmax over the last dimension (output scale 1/256, zero point -128).
 */
#ifndef TV_SOFTMAX_H
#define TV_SOFTMAX_H

#include "tv_common.h"

typedef struct {
    int32_t outer, depth;
    int32_t in_mult, in_left_shift;   /**< beta * input scale as a Q5.26 rescale */
    int32_t diff_min;                 /**< differences below this contribute 0 */
} tv_softmax_params_t;

void tv_softmax_s8(const tv_softmax_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_SOFTMAX_H */
