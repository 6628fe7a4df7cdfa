/**
 * @file tv_prelu.h
 * @brief int8 PRELU with a broadcast alpha tensor (TFLite's two requantizations).
 */
#ifndef TV_PRELU_H
#define TV_PRELU_H

#include "tv_common.h"

typedef struct {
    tv_broadcast_t bc;              /**< input 1: x, input 2: alpha */
    int32_t in_offset, alpha_offset, out_offset;
    int32_t mult_identity, shift_identity;  /**< x >= 0: x * s_x / s_y */
    int32_t mult_alpha, shift_alpha;        /**< x < 0: x * alpha * s_x * s_alpha / s_y */
} tv_prelu_params_t;

void tv_prelu_s8(const tv_prelu_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out);

#endif /* TV_PRELU_H */
