#include "tv_slice.h"

void tv_slice_s8(const tv_slice_params_t *p, const int8_t *in, int8_t *out)
{
    int32_t idx[TV_SLICE_RANK] = {0, 0, 0, 0, 0, 0};
    const int32_t inner = p->dims[TV_SLICE_RANK - 1];
    const int32_t step = p->steps[TV_SLICE_RANK - 1];
    int32_t offset = p->start;
    int32_t i, k, d;
    for (i = 0; i < p->size; i += inner) {
        for (k = 0; k < inner; ++k) {
            out[i + k] = in[offset + k * step];
        }
        for (d = TV_SLICE_RANK - 2; d >= 0; --d) {
            offset += p->steps[d];
            if (++idx[d] < p->dims[d]) {
                break;
            }
            offset -= p->steps[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}
