/**
 * @file tv_conv_dsp.h
 * @brief Border windows of the DSP convolution kernels (generated per layer in the model's .c).
 *
 * The per-layer CONV_2D code reads a window straight from the input tensor when
 * the whole window lies inside it. A window that crosses the border is first
 * copied into a small staging buffer in the same layout, the taps outside the
 * input filled with the raw input zero point (which contributes exactly 0, since
 * the input offset is folded into the bias); the same generated code then reads
 * the staging buffer instead of the tensor.
 */
#ifndef TV_CONV_DSP_H
#define TV_CONV_DSP_H

#include "tv_common.h"

/** Where the window of one output pixel comes from, and where its taps go in the staging buffer. */
typedef struct {
    int32_t in_h, in_w, in_c;    /**< input tensor (one batch), NHWC */
    int32_t k_h, k_w, dil_h, dil_w;
    int32_t stage_y, stage_x;    /**< staging offset of tap (ky, kx): ky * stage_y + kx * stage_x */
    int32_t zero_point;          /**< raw input zero point, written for taps outside the input */
} tv_conv_dsp_window_t;

/**
 * Copies the window whose top-left tap is input pixel (@p y0, @p x0) (possibly outside
 * the input) into @p stage: in_c bytes per tap, at the offsets of @p w. Bytes of
 * @p stage between taps are left untouched.
 */
void tv_conv_dsp_gather(const tv_conv_dsp_window_t *w, const int8_t *in, int32_t y0, int32_t x0, int8_t *stage);

#endif /* TV_CONV_DSP_H */
