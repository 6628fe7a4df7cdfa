/* Temporal smoothing of the model's raw int8 outputs, one step a frame (a frame
 * the gate skipped repeats the last raw output).
 *   none  the label is the argmax of the raw output
 *   avg   moving average of the last n raw outputs (integer, rounded half up);
 *         the label is its argmax
 *   vote  the label is the class that was the raw argmax in at least k of the last
 *         n frames (most votes, lowest index on a tie); otherwise it stays
 *   hyst  hysteresis: the label moves to the raw argmax c when raw[c] >= on, or
 *         when the current label's raw score falls below off
 * Argmax ties go to the lowest index. The host (tinyvid.video.gate) computes the
 * same labels bit for bit. */
#ifndef TV_SMOOTH_H
#define TV_SMOOTH_H

#include <stdint.h>

#define TV_SMOOTH_MAX_WINDOW 16

enum { TV_SMOOTH_NONE = 0, TV_SMOOTH_AVG, TV_SMOOTH_VOTE, TV_SMOOTH_HYST };

typedef struct {
    uint32_t mode; /* TV_SMOOTH_* */
    uint32_t n;    /* window, 1..TV_SMOOTH_MAX_WINDOW */
    uint32_t k;    /* votes, 1..n */
    int32_t on;    /* hysteresis thresholds, raw int8 units, off <= on */
    int32_t off;
} tv_smooth_config;

void tv_smooth_default(tv_smooth_config *cfg);
int tv_smooth_configure(const tv_smooth_config *cfg); /* 0 when valid; history cleared */
const tv_smooth_config *tv_smooth_get(void);
void tv_smooth_reset(void);
/* One frame: raw has TV_OUTPUT_ELEMENTS values; writes the smoothed output
 * (the average for avg, else raw) and returns the label. */
int32_t tv_smooth_step(const int8_t *raw, int8_t *smoothed);
const char *tv_smooth_mode_name(uint32_t mode);

#endif
