/**
 * @file tv_leaky_relu.h
 * @brief int8 leaky ReLU: identity rescale for x >= 0, alpha rescale below.
 */
#ifndef TV_LEAKY_RELU_H
#define TV_LEAKY_RELU_H

#include "tv_common.h"

typedef struct {
    int32_t size, in_zp, out_zp;
    int32_t mult_identity, shift_identity, mult_alpha, shift_alpha;
} tv_leaky_relu_params_t;

void tv_leaky_relu_s8(const tv_leaky_relu_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_LEAKY_RELU_H */
