/**
 * @file tv_split.h
 * @brief int8 split of a tensor into n along one axis (SPLIT, SPLIT_V, UNPACK).
 */
#ifndef TV_SPLIT_H
#define TV_SPLIT_H

#include "tv_common.h"

/**
 * @param outputs  n pointers
 * @param chunks   bytes each output takes per outer step (its axis size x inner size)
 */
void tv_split_s8(int32_t n, const int8_t *in, int8_t *const *outputs, const int32_t *chunks, int32_t outer);

#endif /* TV_SPLIT_H */
