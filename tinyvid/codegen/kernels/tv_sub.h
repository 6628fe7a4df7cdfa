/**
 * @file tv_sub.h
 * @brief int8 SUB with broadcasting (same arithmetic as ADD, difference of the rescaled inputs).
 */
#ifndef TV_SUB_H
#define TV_SUB_H

#include "tv_add.h"

void tv_sub_s8(const tv_add_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);

#endif /* TV_SUB_H */
