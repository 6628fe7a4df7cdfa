/**
 * @file tv_copy.h
 * @brief Byte copy for RESHAPE / SQUEEZE / EXPAND_DIMS when the planner cannot alias.
 */
#ifndef TV_COPY_H
#define TV_COPY_H

#include "tv_common.h"

void tv_copy_s8(const int8_t *in, int8_t *out, int32_t size);

#endif /* TV_COPY_H */
