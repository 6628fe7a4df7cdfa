/**
 * @file tv_tanh.h
 * @brief int8 tanh (output scale 1/128, zero point 0), gemmlowp fixed point.
 */
#ifndef TV_TANH_H
#define TV_TANH_H

#include "tv_logistic.h"

void tv_tanh_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_TANH_H */
