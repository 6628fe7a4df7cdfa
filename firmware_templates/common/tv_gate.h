/* The motion gate: decides per frame whether the model runs.
 *
 * The frame (TV_FRAME_H x TV_FRAME_W x TV_FRAME_C bytes, HWC) is cut into a grid
 * of cells x cells blocks; each block's mean luma (4 x luma: R + 2G + B, or 4 x the
 * grey value) is taken over every step-th pixel in both directions and compared
 * with a running background (blended at 1 / 2^alpha a frame, 4 fractional bits).
 * A block is changed when it differs by more than thr luma levels and its bit of
 * the region-of-interest mask is set; the frame has motion when at least blocks
 * blocks changed. The model runs on the first frame, on motion, for hold frames
 * after motion and when refresh frames have passed since it last ran (0: never
 * forced); other frames reuse the last result. Integer arithmetic only; the host
 * (tinyvid.video.gate) computes the same decisions bit for bit. */
#ifndef TV_GATE_H
#define TV_GATE_H

#include <stdint.h>

#define TV_GATE_MAX_CELLS 16

typedef struct {
    uint32_t on;      /* 0: every frame runs the model */
    uint32_t cells;   /* grid of cells x cells blocks, 1..TV_GATE_MAX_CELLS */
    uint32_t step;    /* pixel sampling stride, 1..16 */
    uint32_t thr;     /* luma levels a block must change by, 0..255 */
    uint32_t blocks;  /* changed blocks that make motion, 1..cells^2 */
    uint32_t hold;    /* frames run after motion */
    uint32_t refresh; /* longest run of skipped frames + 1 (0: no forced refresh) */
    uint32_t alpha;   /* background blend shift, 0..8 */
} tv_gate_config;

/* Why a frame ran the model or not. */
enum {
    TV_GATE_SKIP = 0,
    TV_GATE_FIRST,
    TV_GATE_MOTION,
    TV_GATE_HOLD,
    TV_GATE_REFRESH,
    TV_GATE_OFF
};

typedef struct {
    int infer;        /* 1: run the model on this frame */
    int reason;       /* TV_GATE_* */
    uint32_t score;   /* changed blocks */
    uint32_t max_diff; /* largest block difference, 4 x luma levels */
} tv_gate_decision;

void tv_gate_default(tv_gate_config *cfg);
/* 0 when the configuration is valid (and now in use); the background restarts. */
int tv_gate_configure(const tv_gate_config *cfg);
const tv_gate_config *tv_gate_get(void);
/* Region of interest: one bit a block, row-major, bit i of byte i / 8 (LSB first);
 * blocks past the given bytes are outside. Every block is inside after a reset. */
void tv_gate_set_roi(const uint8_t *mask, uint32_t bytes);
void tv_gate_reset(void);
tv_gate_decision tv_gate_frame(const uint8_t *frame);
const char *tv_gate_reason_name(int reason);

#endif
