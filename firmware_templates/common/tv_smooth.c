/* Temporal smoothing (see tv_smooth.h). No heap: the history is static. */
#include "tv_smooth.h"

#include <stddef.h>
#include <string.h>

#include "tv_config.h"

static tv_smooth_config config = {TV_SMOOTH_NONE, 1u, 1u, 0, 0}; /* as tv_smooth_default() */
static int8_t history[TV_SMOOTH_MAX_WINDOW][TV_OUTPUT_ELEMENTS];
static int32_t votes[TV_SMOOTH_MAX_WINDOW];
static uint32_t seen; /* frames since the reset */
static int32_t label = -1;

void tv_smooth_default(tv_smooth_config *cfg)
{
    cfg->mode = TV_SMOOTH_NONE;
    cfg->n = 1u;
    cfg->k = 1u;
    cfg->on = 0;
    cfg->off = 0;
}

void tv_smooth_reset(void)
{
    seen = 0;
    label = -1;
}

int tv_smooth_configure(const tv_smooth_config *cfg)
{
    if (cfg->mode > TV_SMOOTH_HYST || cfg->n < 1u || cfg->n > TV_SMOOTH_MAX_WINDOW || cfg->k < 1u ||
        cfg->k > cfg->n || cfg->on < -128 || cfg->on > 127 || cfg->off < -128 || cfg->off > cfg->on) {
        return -1;
    }
    config = *cfg;
    tv_smooth_reset();
    return 0;
}

const tv_smooth_config *tv_smooth_get(void) { return &config; }

static int32_t argmax(const int8_t *v)
{
    int32_t best = 0;
    for (int32_t i = 1; i < (int32_t)TV_OUTPUT_ELEMENTS; ++i) {
        if (v[i] > v[best]) {
            best = i;
        }
    }
    return best;
}

int32_t tv_smooth_step(const int8_t *raw, int8_t *smoothed)
{
    const uint32_t n = config.n;
    const uint32_t slot = seen % n;
    const int32_t top = argmax(raw);
    memcpy(history[slot], raw, (size_t)TV_OUTPUT_ELEMENTS);
    votes[slot] = top;
    ++seen;
    const uint32_t count = seen < n ? seen : n;
    memcpy(smoothed, raw, (size_t)TV_OUTPUT_ELEMENTS);
    if (config.mode == TV_SMOOTH_AVG) {
        for (size_t i = 0; i < (size_t)TV_OUTPUT_ELEMENTS; ++i) {
            int32_t sum = 0;
            for (uint32_t j = 0; j < count; ++j) {
                sum += history[j][i];
            }
            /* round half up: shift to non-negative first (C division truncates) */
            int32_t shifted = sum + 128 * (int32_t)count;
            smoothed[i] = (int8_t)((2 * shifted + (int32_t)count) / (2 * (int32_t)count) - 128);
        }
        label = argmax(smoothed);
    } else if (config.mode == TV_SMOOTH_VOTE) {
        int32_t best = 0, best_votes = 0;
        for (int32_t c = 0; c < (int32_t)TV_OUTPUT_ELEMENTS; ++c) {
            int32_t v = 0;
            for (uint32_t j = 0; j < count; ++j) {
                v += votes[j] == c;
            }
            if (v > best_votes) {
                best = c;
                best_votes = v;
            }
        }
        if (best_votes >= (int32_t)config.k || label < 0) {
            label = best_votes >= (int32_t)config.k ? best : top;
        }
    } else if (config.mode == TV_SMOOTH_HYST) {
        if (label < 0 || (top != label && (raw[top] >= config.on || raw[label] < config.off))) {
            label = top;
        }
    } else {
        label = top;
    }
    return label;
}

const char *tv_smooth_mode_name(uint32_t mode)
{
    switch (mode) {
    case TV_SMOOTH_AVG:
        return "avg";
    case TV_SMOOTH_VOTE:
        return "vote";
    case TV_SMOOTH_HYST:
        return "hyst";
    default:
        return "none";
    }
}
