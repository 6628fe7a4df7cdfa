#include "tv_copy.h"

#include <string.h>

void tv_copy_s8(const int8_t *in, int8_t *out, int32_t size)
{
    if (in != out && size > 0) {
        memmove(out, in, (size_t)size);
    }
}
