/* The motion gate (see tv_gate.h). No heap: the background is a static array. */
#include "tv_gate.h"

#include <stddef.h>
#include <string.h>

#include "tv_config.h"

static tv_gate_config config = {1u, 8u, 2u, 12u, 1u, 2u, 30u, 4u}; /* as tv_gate_default() */
static int32_t background[TV_GATE_MAX_CELLS * TV_GATE_MAX_CELLS]; /* 4 x luma, 4 fractional bits */
/* Blocks outside the region of interest (a set bit), so that zero is every block. */
static uint8_t roi_off[(TV_GATE_MAX_CELLS * TV_GATE_MAX_CELLS + 7) / 8];
static int started;
static uint32_t hold_left;
static uint32_t since_inference;

void tv_gate_default(tv_gate_config *cfg)
{
    cfg->on = 1u;
    cfg->cells = 8u;
    cfg->step = 2u;
    cfg->thr = 12u;
    cfg->blocks = 1u;
    cfg->hold = 2u;
    cfg->refresh = 30u;
    cfg->alpha = 4u;
}

void tv_gate_reset(void)
{
    started = 0;
    hold_left = 0;
    since_inference = 0;
    memset(roi_off, 0, sizeof roi_off);
}

int tv_gate_configure(const tv_gate_config *cfg)
{
    if (cfg->cells < 1u || cfg->cells > TV_GATE_MAX_CELLS || cfg->cells > (uint32_t)TV_FRAME_H ||
        cfg->cells > (uint32_t)TV_FRAME_W || cfg->step < 1u || cfg->step > 16u || cfg->thr > 255u ||
        cfg->blocks < 1u || cfg->blocks > cfg->cells * cfg->cells || cfg->alpha > 8u ||
        cfg->hold > 1000000u || cfg->refresh > 1000000u || cfg->on > 1u) {
        return -1;
    }
    config = *cfg;
    started = 0;
    hold_left = 0;
    since_inference = 0;
    return 0;
}

const tv_gate_config *tv_gate_get(void) { return &config; }

void tv_gate_set_roi(const uint8_t *mask, uint32_t bytes)
{
    for (uint32_t i = 0; i < (uint32_t)sizeof roi_off; ++i) {
        roi_off[i] = (uint8_t)~(i < bytes ? mask[i] : 0u);
    }
}

static uint32_t pixel(uint8_t b)
{
#if TV_CONVERSION == TV_CONVERSION_INT8
    return (uint32_t)(b ^ 0x80u); /* int8 pixels are u8 - 128 */
#else
    return b;
#endif
}

/* Mean of 4 x luma over the sampled pixels of one block. */
static uint32_t block_luma(const uint8_t *frame, uint32_t y0, uint32_t y1, uint32_t x0, uint32_t x1)
{
    const uint32_t step = config.step;
    uint32_t sum = 0, count = 0;
    for (uint32_t y = y0; y < y1; y += step) {
        const uint8_t *row = frame + ((size_t)y * TV_FRAME_W + x0) * TV_FRAME_C;
        for (uint32_t x = x0; x < x1; x += step) {
#if TV_FRAME_C >= 3
            sum += pixel(row[0]) + 2u * pixel(row[1]) + pixel(row[2]);
#else
            sum += 4u * pixel(row[0]);
#endif
            row += (size_t)step * TV_FRAME_C;
            ++count;
        }
    }
    return count ? sum / count : 0u;
}

tv_gate_decision tv_gate_frame(const uint8_t *frame)
{
    tv_gate_decision d = {0, TV_GATE_SKIP, 0u, 0u};
    const uint32_t cells = config.cells;
    const uint32_t alpha = config.alpha;
    for (uint32_t cy = 0; cy < cells; ++cy) {
        uint32_t y0 = cy * (uint32_t)TV_FRAME_H / cells, y1 = (cy + 1u) * (uint32_t)TV_FRAME_H / cells;
        for (uint32_t cx = 0; cx < cells; ++cx) {
            uint32_t x0 = cx * (uint32_t)TV_FRAME_W / cells, x1 = (cx + 1u) * (uint32_t)TV_FRAME_W / cells;
            uint32_t k = cy * cells + cx;
            int32_t v = (int32_t)block_luma(frame, y0, y1, x0, x1);
            if (!started) {
                background[k] = v * 16;
                continue;
            }
            int32_t bg = background[k] / 16; /* background >= 0: truncation is a floor */
            uint32_t diff = (uint32_t)(v > bg ? v - bg : bg - v);
            if (!((roi_off[k / 8u] >> (k % 8u)) & 1u)) {
                if (diff > d.max_diff) {
                    d.max_diff = diff;
                }
                if (diff > 4u * config.thr) {
                    ++d.score;
                }
            }
            int32_t delta = v * 16 - background[k];
            background[k] += delta >= 0 ? (delta >> alpha) : -((-delta) >> alpha);
        }
    }
    if (!config.on) {
        d.infer = 1;
        d.reason = TV_GATE_OFF;
    } else if (!started) {
        d.infer = 1;
        d.reason = TV_GATE_FIRST;
    } else if (d.score >= config.blocks) {
        d.infer = 1;
        d.reason = TV_GATE_MOTION;
        hold_left = config.hold;
    } else if (hold_left > 0u) {
        d.infer = 1;
        d.reason = TV_GATE_HOLD;
        --hold_left;
    } else if (config.refresh > 0u && since_inference + 1u >= config.refresh) {
        d.infer = 1;
        d.reason = TV_GATE_REFRESH;
    }
    started = 1;
    since_inference = d.infer ? 0u : since_inference + 1u;
    return d;
}

const char *tv_gate_reason_name(int reason)
{
    switch (reason) {
    case TV_GATE_FIRST:
        return "first";
    case TV_GATE_MOTION:
        return "motion";
    case TV_GATE_HOLD:
        return "hold";
    case TV_GATE_REFRESH:
        return "refresh";
    case TV_GATE_OFF:
        return "off";
    default:
        return "still";
    }
}
