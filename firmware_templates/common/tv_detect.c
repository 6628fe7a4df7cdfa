/* Peaks of the int8 heat map above a threshold (see tv_detect.h). */
#include "tv_detect.h"

#include "dut_print.h"
#include "platform.h"

static int32_t best_class(const int8_t *cell, int32_t classes)
{
    int32_t k = 1;
    for (int32_t c = 2; c < classes; ++c) {
        if (cell[c] > cell[k]) {
            k = c;
        }
    }
    return k;
}

int32_t tv_detect_decode(const int8_t *heat, int32_t rows, int32_t cols, int32_t classes, int8_t threshold,
                         tv_detection *out, int32_t max_out)
{
    int32_t count = 0;
    if (classes < 2) {
        return 0;
    }
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t c = 0; c < cols; ++c) {
            const int8_t *cell = heat + ((r * cols) + c) * classes;
            int32_t k = best_class(cell, classes);
            int8_t s = cell[k];
            int peak = s >= threshold;
            for (int32_t dr = -1; dr <= 1 && peak; ++dr) {
                for (int32_t dc = -1; dc <= 1 && peak; ++dc) {
                    int32_t rr = r + dr, cc = c + dc;
                    if ((dr == 0 && dc == 0) || rr < 0 || rr >= rows || cc < 0 || cc >= cols) {
                        continue;
                    }
                    int8_t n = heat[((rr * cols) + cc) * classes + k];
                    int earlier = dr < 0 || (dr == 0 && dc < 0);
                    peak = earlier ? s > n : s >= n;
                }
            }
            if (peak) {
                if (count < max_out) {
                    out[count].cls = (uint8_t)k;
                    out[count].row = (uint8_t)r;
                    out[count].col = (uint8_t)c;
                    out[count].score = s;
                }
                ++count;
            }
        }
    }
    return count;
}

void tv_detect_put(const int8_t *heat)
{
    static tv_detection dets[TV_DETECT_MAX];
    int32_t n = tv_detect_decode(heat, TV_DETECT_ROWS, TV_DETECT_COLS, TV_DETECT_CLASSES, (int8_t)TV_DETECT_THRESHOLD,
                                 dets, TV_DETECT_MAX);
    int32_t shown = n < TV_DETECT_MAX ? n : TV_DETECT_MAX;
    out_str("m-tv-detections-[");
    out_u64((uint64_t)n);
    for (int32_t i = 0; i < shown; ++i) {
        plat_putc(';');
        out_u64(dets[i].cls);
        plat_putc(',');
        out_u64(dets[i].row);
        plat_putc(',');
        out_u64(dets[i].col);
        plat_putc(',');
        out_i64(dets[i].score);
    }
    out_str("]\r\n");
}
