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

/**
 * The element loop LOGISTIC and TANH share: inputs outside +-range_radius saturate,
 * the others are rescaled to Q4.27, mapped by @p fn to Q0.31 and rounded down by
 * @p out_shift bits onto the int8 output with @p out_offset.
 */
static inline void tv_sigmoid_like_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out,
                                      int32_t (*fn)(int32_t), int32_t out_shift, int32_t out_offset)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)in[i] - p->in_zp;
        if (x <= -p->range_radius) {
            out[i] = INT8_MIN;
        } else if (x >= p->range_radius) {
            out[i] = INT8_MAX;
        } else {
            const int32_t q4 = tv_mul_by_quantized_mul(x, p->in_mult, p->in_left_shift);
            const int32_t q0 = fn(q4);
            out[i] = (int8_t)tv_clamp(tv_rounding_divide_by_pot(q0, out_shift) + out_offset, INT8_MIN, INT8_MAX);
        }
    }
}

void tv_logistic_s8(const tv_sigmoid_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_LOGISTIC_H */
