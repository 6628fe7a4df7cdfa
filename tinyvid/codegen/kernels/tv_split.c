#include "tv_split.h"

#include <string.h>

void tv_split_s8(int32_t n, const int8_t *in, int8_t *const *outputs, const int32_t *chunks, int32_t outer)
{
    int32_t o, k;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < n; ++k) {
            memcpy(outputs[k] + o * chunks[k], in, (size_t)chunks[k]);
            in += chunks[k];
        }
    }
}
