#include "tv_concatenation.h"

#include <string.h>

void tv_concatenation_s8(int32_t n, const int8_t *const *inputs, const int32_t *chunks, int32_t outer, int8_t *out)
{
    int32_t o, k;
    for (o = 0; o < outer; ++o) {
        for (k = 0; k < n; ++k) {
            memcpy(out, inputs[k] + o * chunks[k], (size_t)chunks[k]);
            out += chunks[k];
        }
    }
}
