#include "tv_minmax.h"

void tv_maximum_s8(const tv_broadcast_t *bc, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < bc->size; ++i) {
        tv_broadcast_offsets(bc, i, &o1, &o2);
        out[i] = in1[o1] > in2[o2] ? in1[o1] : in2[o2];
    }
}

void tv_minimum_s8(const tv_broadcast_t *bc, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    int32_t i, o1, o2;
    for (i = 0; i < bc->size; ++i) {
        tv_broadcast_offsets(bc, i, &o1, &o2);
        out[i] = in1[o1] < in2[o2] ? in1[o1] : in2[o2];
    }
}
