/**
 * @file tv_concatenation.h
 * @brief int8 concatenation along one axis (inputs share the output's quantization).
 */
#ifndef TV_CONCATENATION_H
#define TV_CONCATENATION_H

#include "tv_common.h"

/**
 * @param inputs   n pointers
 * @param chunks   bytes each input contributes per outer step (axis size x inner size)
 */
void tv_concatenation_s8(int32_t n, const int8_t *const *inputs, const int32_t *chunks, int32_t outer, int8_t *out);

#endif /* TV_CONCATENATION_H */
