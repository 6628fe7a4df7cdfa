#include "tv_gather.h"

#include <string.h>

void tv_gather_s8(const tv_gather_params_t *p, const int8_t *in, const int32_t *indices, int8_t *out)
{
    int32_t o, j;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = in + o * p->axis_size * p->inner;
        for (j = 0; j < p->count; ++j) {
            memcpy(out, base + indices[j] * p->inner, (size_t)p->inner);
            out += p->inner;
        }
    }
}
