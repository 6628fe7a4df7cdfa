/**
 * @file tv_minmax.h
 * @brief int8 MAXIMUM and MINIMUM with broadcasting (TFLite compares the stored values).
 */
#ifndef TV_MINMAX_H
#define TV_MINMAX_H

#include "tv_common.h"

void tv_maximum_s8(const tv_broadcast_t *bc, const int8_t *in1, const int8_t *in2, int8_t *out);
void tv_minimum_s8(const tv_broadcast_t *bc, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* TV_MINMAX_H */
