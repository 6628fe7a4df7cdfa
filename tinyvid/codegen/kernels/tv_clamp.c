#include "tv_clamp.h"

void tv_clamp_s8(const tv_clamp_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        out[i] = (int8_t)tv_clamp(in[i], p->lo, p->hi);
    }
}
