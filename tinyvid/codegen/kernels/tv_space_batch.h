/**
 * @file tv_space_batch.h
 * @brief int8 SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on NHWC tensors (the pair the
 *        converter puts around a dilated convolution).
 */
#ifndef TV_SPACE_BATCH_H
#define TV_SPACE_BATCH_H

#include "tv_common.h"

typedef struct {
    int32_t in_b, in_h, in_w, depth, out_b, out_h, out_w;
    int32_t block_h, block_w;
    int32_t top, left;       /**< SPACE_TO_BATCH_ND: leading padding; BATCH_TO_SPACE_ND: leading crop */
    int32_t pad_value;       /**< SPACE_TO_BATCH_ND only */
} tv_space_batch_params_t;

void tv_space_to_batch_s8(const tv_space_batch_params_t *p, const int8_t *in, int8_t *out);
void tv_batch_to_space_s8(const tv_space_batch_params_t *p, const int8_t *in, int8_t *out);

#endif /* TV_SPACE_BATCH_H */
