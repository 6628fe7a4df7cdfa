/**
 * @file tv_mve_conv.h
 * @brief Helium kernels for int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, bit-exact with TFLM.
 *
 * Each kernel is an always-inline function: the generated code of one operator calls
 * it with the layer's shape as literals, so the compiler specialises it per layer.
 * Both paths of tv_mve.h (Helium instructions, or their C emulation on the host) run
 * the same algorithm.
 *
 * Constants prepared at generation time (tinyvid.codegen.fast.mve_conv):
 * - weights: one row of @c w_stride bytes (a multiple of 16) per output channel, zero
 *   past the dot-product length, so every 16-byte chunk multiplies whole vectors;
 * - bias: bias + input offset * sum(weights of the channel) ("folded"), so the dot
 *   products take the raw int8 inputs, and padding is the raw input zero point
 *   (zp * w + offset * w = 0);
 * - mult, lsh = max(shift, 0), rsh = min(shift, 0): TFLM's per-channel requantization.
 */
#ifndef TV_MVE_CONV_H
#define TV_MVE_CONV_H

#include "tv_mve.h"

/**
 * out[r][oc] = requant(bias[oc] + sum_i in[r * in_stride + i] * w[oc * w_stride + i]), i < k,
 * for @p rows rows; output rows are @p out_c bytes apart. Blocks of 4 rows x 1 channel:
 * per 16 bytes of k one weight load, 4 input loads and 4 VMLADAVA (64 MACs); the 4
 * results are requantized as one vector and scattered into the 4 output rows.
 * Inputs past k in the last chunk are not read (predicated loads).
 */
TV_ALWAYS_INLINE void tv_mve_gemm(const int8_t *in, int32_t in_stride, int32_t rows, int32_t k, const int8_t *w,
                                  int32_t w_stride, int32_t out_c, const int32_t *bias, const int32_t *mult,
                                  const int32_t *lsh, const int32_t *rsh, int32_t has_lsh, int32_t zp, int32_t act_min,
                                  int32_t act_max, int8_t *out)
{
    const int32_t full = k >> 4;
    const int32_t tail = k & 15;
    const tv_pred tp = tv_vctp8(tail);
    const tv_u32x4 offs = tv_voffsets(out_c);
    const tv_i32x4 lo = tv_vdup32(act_min);
    const tv_i32x4 hi = tv_vdup32(act_max);
    int32_t r;
    for (r = 0; r < rows; r += 4) {
        const int32_t n = rows - r < 4 ? rows - r : 4;
        const int8_t *x0 = in + r * in_stride;
        const int8_t *x1 = n > 1 ? x0 + in_stride : x0;
        const int8_t *x2 = n > 2 ? x0 + 2 * in_stride : x0;
        const int8_t *x3 = n > 3 ? x0 + 3 * in_stride : x0;
        int8_t *o = out + r * out_c;
        const int8_t *wp = w;
        int32_t oc;
        for (oc = 0; oc < out_c; ++oc, wp += w_stride) {
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            int32_t j;
            tv_i32x4 v;
            for (j = 0; j < 16 * full; j += 16) {
                const tv_i8x16 wv = tv_vld8(wp + j);
                a0 = tv_vmladava8(a0, tv_vld8(x0 + j), wv);
                a1 = tv_vmladava8(a1, tv_vld8(x1 + j), wv);
                a2 = tv_vmladava8(a2, tv_vld8(x2 + j), wv);
                a3 = tv_vmladava8(a3, tv_vld8(x3 + j), wv);
            }
            if (tail) {
                const tv_i8x16 wv = tv_vld8(wp + 16 * full);
                a0 = tv_vmladava8(a0, tv_vld8_z(x0 + 16 * full, tp), wv);
                a1 = tv_vmladava8(a1, tv_vld8_z(x1 + 16 * full, tp), wv);
                a2 = tv_vmladava8(a2, tv_vld8_z(x2 + 16 * full, tp), wv);
                a3 = tv_vmladava8(a3, tv_vld8_z(x3 + 16 * full, tp), wv);
            }
            v = tv_vadd32_n(tv_vset4(a0, a1, a2, a3), bias[oc]);
            v = tv_mve_requant_n(v, mult[oc], has_lsh ? lsh[oc] : 0, rsh[oc], has_lsh, zp, lo, hi);
            if (n == 4) {
                tv_vstb32_scatter(o + oc, offs, v);
            } else {
                tv_vstb32_scatter_p(o + oc, offs, v, tv_vctp32(n));
            }
        }
    }
}

/** Copies n bytes (16 at a time, the rest predicated). */
TV_ALWAYS_INLINE void tv_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    int32_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        tv_vst8(dst + i, tv_vld8(src + i));
    }
    if (i < n) {
        const tv_pred q = tv_vctp8(n - i);
        tv_vst8_p(dst + i, tv_vld8_z(src + i, q), q);
    }
}

/** Sets n bytes to the lanes of v. */
TV_ALWAYS_INLINE void tv_mve_fill(int8_t *dst, tv_i8x16 v, int32_t n)
{
    int32_t i;
    for (i = 0; i + 16 <= n; i += 16) {
        tv_vst8(dst + i, v);
    }
    if (i < n) {
        tv_vst8_p(dst + i, v, tv_vctp8(n - i));
    }
}

/**
 * One im2col row: the k_h x k_w x in_c window at (y0, x0) of an NHWC image, in the
 * filter's (OHWI) order; taps outside the image are the raw input zero point @p pad.
 */
TV_ALWAYS_INLINE void tv_mve_im2col(int8_t *dst, const int8_t *in, int32_t y0, int32_t x0, int32_t in_h, int32_t in_w,
                                    int32_t in_c, int32_t k_h, int32_t k_w, int32_t dil_h, int32_t dil_w, tv_i8x16 pad)
{
    const int32_t row = k_w * in_c;
    const int32_t inside_w = x0 >= 0 && x0 + (k_w - 1) * dil_w < in_w;
    int32_t ky, kx;
    for (ky = 0; ky < k_h; ++ky, dst += row) {
        const int32_t iy = y0 + ky * dil_h;
        const int8_t *src;
        if (iy < 0 || iy >= in_h) {
            tv_mve_fill(dst, pad, row);
            continue;
        }
        src = in + iy * in_w * in_c;
        if (inside_w && dil_w == 1) {
            tv_mve_copy(dst, src + x0 * in_c, row);
            continue;
        }
        for (kx = 0; kx < k_w; ++kx) {
            const int32_t ix = x0 + kx * dil_w;
            if (ix < 0 || ix >= in_w) {
                tv_mve_fill(dst + kx * in_c, pad, in_c);
            } else {
                tv_mve_copy(dst + kx * in_c, src + ix * in_c, in_c);
            }
        }
    }
}

/** A hand-scheduled GEMM block of 4 rows (fast/mve_gemm.py): rows @p x0 on, every output channel. */
typedef void (*tv_mve_block_fn)(const int8_t *x0, int8_t *out, const int8_t *w, const int32_t *k);

/** The im2col rows of 4 adjacent output pixels whose windows lie inside the image, the first
 * window's first tap at @p src (generated per layer: fast/mve_conv.py). */
typedef void (*tv_mve_col_fn)(int8_t *col, const int8_t *src);

/**
 * CONV_2D (one group) through im2col: 4 output pixels' windows go into @p col (4 rows
 * of @p w_stride bytes, the caller's static buffer), then one GEMM block: @p block with
 * the channels' constants @p k when not NULL (the same arithmetic), else tv_mve_gemm.
 * With @p col4 (not NULL), 4 adjacent pixels of a row whose windows are all inside the
 * image are gathered by it in one call.
 */
TV_ALWAYS_INLINE void tv_mve_conv2d(const int8_t *in, int8_t *out, int8_t *col, int32_t batches, int32_t in_h,
                                    int32_t in_w, int32_t in_c, int32_t out_h, int32_t out_w, int32_t out_c, int32_t k_h,
                                    int32_t k_w, int32_t stride_h, int32_t stride_w, int32_t dil_h, int32_t dil_w,
                                    int32_t pad_h, int32_t pad_w, int32_t in_zp, const int8_t *w, int32_t w_stride,
                                    const int32_t *bias, const int32_t *mult, const int32_t *lsh, const int32_t *rsh,
                                    int32_t has_lsh, int32_t zp, int32_t act_min, int32_t act_max,
                                    tv_mve_block_fn block, const int32_t *k, tv_mve_col_fn col4)
{
    const tv_i8x16 pad = tv_vdup8(in_zp);
    int32_t b, oy, ox, n = 0;
    int8_t *o = out;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * in_c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * stride_h - pad_h;
            const int32_t rows_inside = y0 >= 0 && y0 + (k_h - 1) * dil_h < in_h;
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * stride_w - pad_w;
                if (col4 != NULL && n == 0 && rows_inside && ox + 4 <= out_w && x0 >= 0 &&
                    (ox + 3) * stride_w - pad_w + (k_w - 1) * dil_w < in_w) {
                    col4(col, in_b + (y0 * in_w + x0) * in_c);
                    ox += 3;
                    n = 4;
                } else {
                    tv_mve_im2col(col + n * w_stride, in_b, y0, x0, in_h, in_w, in_c, k_h, k_w, dil_h, dil_w, pad);
                    ++n;
                }
                if (n == 4) {
                    if (block != NULL) {
                        block(col, o, w, k);
                    } else {
                        tv_mve_gemm(col, w_stride, 4, w_stride, w, w_stride, out_c, bias, mult, lsh, rsh, has_lsh, zp,
                                    act_min, act_max, o);
                    }
                    o += 4 * out_c;
                    n = 0;
                }
            }
        }
    }
    if (n) {
        tv_mve_gemm(col, w_stride, n, w_stride, w, w_stride, out_c, bias, mult, lsh, rsh, has_lsh, zp, act_min,
                    act_max, o);
    }
}

/** Requantizes and stores the 4 depthwise channels at @p ch (@p masked: the lanes of @p q only). */
TV_ALWAYS_INLINE void tv_mve_dw_store(tv_i32x4 acc, const int32_t *mult, const int32_t *lsh, const int32_t *rsh,
                                      int32_t has_lsh, int8_t *o, int32_t ch, int32_t masked, tv_pred q, int32_t zp,
                                      tv_i32x4 lo, tv_i32x4 hi)
{
    const tv_i32x4 m = tv_vldw32(mult + ch);
    const tv_i32x4 l = has_lsh ? tv_vldw32(lsh + ch) : m;
    const tv_i32x4 s = tv_vldw32(rsh + ch);
    acc = tv_mve_requant(acc, m, l, s, has_lsh, zp, lo, hi);
    if (masked) {
        tv_vstb32_p(o + ch, acc, q);
    } else {
        tv_vstb32(o + ch, acc);
    }
}

/** The 4 channels at @p ch of a depthwise output pixel whose window lies inside the image
 * (@p x: its first tap); the taps are unrolled, their offsets constants of the layer. */
TV_ALWAYS_INLINE void tv_mve_dw_inside(const int8_t *x, const int8_t *w, const int32_t *bias, const int32_t *mult,
                                       const int32_t *lsh, const int32_t *rsh, int32_t has_lsh, int8_t *o, int32_t ch,
                                       int32_t masked, tv_pred q, int32_t in_w, int32_t c, int32_t k_h, int32_t k_w,
                                       int32_t dil_h, int32_t dil_w, int32_t zp, tv_i32x4 lo, tv_i32x4 hi)
{
    tv_i32x4 acc = tv_vldw32(bias + ch);
    int32_t ky, kx;
    TV_UNROLL
    for (ky = 0; ky < k_h; ++ky) {
        TV_UNROLL
        for (kx = 0; kx < k_w; ++kx) {
            const int8_t *wp = w + (ch * k_h * k_w) + (ky * k_w + kx) * 4;
            const int8_t *xp = x + (ky * dil_h * in_w + kx * dil_w) * c + ch;
            acc = tv_vmla32(acc, masked ? tv_vldb32_z(xp, q) : tv_vldb32(xp), tv_vldb32(wp));
        }
    }
    tv_mve_dw_store(acc, mult, lsh, rsh, has_lsh, o, ch, masked, q, zp, lo, hi);
}

/** All channels of a depthwise output pixel at the image's border: taps outside the image
 * multiply the raw input zero point. Not inlined: one copy serves every layer. */
TV_NOINLINE void tv_mve_dw_border(const int8_t *in_b, const int8_t *w, const int32_t *bias, const int32_t *mult,
                             const int32_t *lsh, const int32_t *rsh, int32_t has_lsh, int8_t *o, int32_t y0,
                             int32_t x0, int32_t in_w, int32_t c, int32_t k_h, int32_t k_w, int32_t dil_h,
                             int32_t dil_w, int32_t ky0, int32_t ky1, int32_t kx0, int32_t kx1, int32_t in_zp,
                             int32_t zp, int32_t act_min, int32_t act_max)
{
    const tv_i32x4 lo = tv_vdup32(act_min);
    const tv_i32x4 hi = tv_vdup32(act_max);
    const tv_i32x4 pad = tv_vdup32(in_zp);
    int32_t ch, ky, kx;
    for (ch = 0; ch < c; ch += 4) {
        const tv_pred q = tv_vctp32(c - ch);
        tv_i32x4 acc = tv_vldw32(bias + ch);
        for (ky = 0; ky < k_h; ++ky) {
            for (kx = 0; kx < k_w; ++kx) {
                tv_i32x4 xv = pad;
                if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1) {
                    xv = tv_vldb32_z(in_b + ((y0 + ky * dil_h) * in_w + x0 + kx * dil_w) * c + ch, q);
                }
                acc = tv_vmla32(acc, xv, tv_vldb32(w + ch * k_h * k_w + (ky * k_w + kx) * 4));
            }
        }
        tv_mve_dw_store(acc, mult, lsh, rsh, has_lsh, o, ch, 1, q, zp, lo, hi);
    }
}

/**
 * DEPTHWISE_CONV_2D with depth multiplier 1: 4 channels per vector (int8 loads widened
 * to int32 lanes, VMLA per tap); taps outside the image multiply the raw zero point.
 * Weights are grouped by 4 channels, [c / 4][k_h][k_w][4] (one group's taps 4 bytes apart);
 * weights, bias, mult, lsh and rsh are zero-padded to a multiple of 4 channels.
 */
TV_ALWAYS_INLINE void tv_mve_depthwise(const int8_t *in, int8_t *out, int32_t batches, int32_t in_h, int32_t in_w,
                                       int32_t c, int32_t out_h, int32_t out_w, int32_t k_h, int32_t k_w,
                                       int32_t stride_h, int32_t stride_w, int32_t dil_h, int32_t dil_w, int32_t pad_h,
                                       int32_t pad_w, int32_t in_zp, const int8_t *w, const int32_t *bias,
                                       const int32_t *mult, const int32_t *lsh, const int32_t *rsh, int32_t has_lsh,
                                       int32_t zp, int32_t act_min, int32_t act_max)
{
    const tv_i32x4 lo = tv_vdup32(act_min);
    const tv_i32x4 hi = tv_vdup32(act_max);
    const int32_t c4 = c & ~3;
    const tv_pred q = tv_vctp32(c & 3);
    int32_t b, oy, ox, ch;
    for (b = 0; b < batches; ++b) {
        const int8_t *in_b = in + b * in_h * in_w * c;
        for (oy = 0; oy < out_h; ++oy) {
            const int32_t y0 = oy * stride_h - pad_h;
            int32_t ky0, ky1;
            tv_tap_range(y0, dil_h, k_h, in_h, &ky0, &ky1);
            for (ox = 0; ox < out_w; ++ox) {
                const int32_t x0 = ox * stride_w - pad_w;
                int8_t *o = out + ((b * out_h + oy) * out_w + ox) * c;
                int32_t kx0, kx1;
                tv_tap_range(x0, dil_w, k_w, in_w, &kx0, &kx1);
                if (ky0 == 0 && ky1 == k_h && kx0 == 0 && kx1 == k_w) {
                    const int8_t *x = in_b + (y0 * in_w + x0) * c;
                    for (ch = 0; ch < c4; ch += 4) {
                        tv_mve_dw_inside(x, w, bias, mult, lsh, rsh, has_lsh, o, ch, 0, q, in_w, c, k_h, k_w, dil_h,
                                         dil_w, zp, lo, hi);
                    }
                    if (c4 < c) {
                        tv_mve_dw_inside(x, w, bias, mult, lsh, rsh, has_lsh, o, c4, 1, q, in_w, c, k_h, k_w, dil_h,
                                         dil_w, zp, lo, hi);
                    }
                } else {
                    tv_mve_dw_border(in_b, w, bias, mult, lsh, rsh, has_lsh, o, y0, x0, in_w, c, k_h, k_w, dil_h,
                                     dil_w, ky0, ky1, kx0, kx1, in_zp, zp, act_min, act_max);
                }
            }
        }
    }
}

/**
 * tv_mve_requant with one channel's constants in every lane (the channel-outer depthwise:
 * set once per channel). @p fix: 0 when no lane shifts right (no fix-up), 1 when every
 * lane does (add the sign: x - 1 for a negative x), 2 for a mix (the sign of x & rsh).
 * For m < 2^31 VQRDMULH never gives INT32_MIN, so the fix-up needs no saturation.
 * @p full: the activation range is all of int8, so the sum with the zero point is
 * clamped by VQMOVNB into each lane's low byte (the bytes above are undefined) instead
 * of by VMAX/VMIN.
 */
TV_ALWAYS_INLINE tv_i32x4 tv_mve_requant_v(tv_i32x4 acc, tv_i32x4 m, tv_i32x4 lsh, tv_i32x4 rsh, int32_t fix,
                                           int32_t has_lsh, tv_i32x4 zp, int32_t full, tv_i32x4 lo, tv_i32x4 hi)
{
    tv_i32x4 h = tv_vqrdmulh32(has_lsh ? tv_vshl32(acc, lsh) : acc, m);
    if (fix == 1) {
        h = tv_vadd32(h, tv_vsign32(h));
    } else if (fix == 2) {
        h = tv_vadd32(h, tv_vsign32(tv_vand32(h, rsh)));
    }
    h = tv_vadd32(tv_vrshl32(h, rsh), zp);
    return full ? tv_vqmovn8(h) : tv_vmin32(tv_vmax32(h, lo), hi);
}

/** Copies @p n bytes @p step apart (@p off = tv_voffsets16(step)) to @p n adjacent bytes, 8 per gather. */
TV_ALWAYS_INLINE void tv_mve_gather_copy(int8_t *dst, const int8_t *src, int32_t n, int32_t step, tv_u16x8 off)
{
    int32_t i;
    for (i = 0; i + 8 <= n; i += 8, src += 8 * step, dst += 8) {
        tv_vstb16(dst, tv_vldb16_gather(src, off));
    }
    if (i < n) {
        const tv_pred q = tv_vctp16(n - i);
        tv_vstb16_p(dst, tv_vldb16_gather_z(src, off, q), q);
    }
}

#endif /* TV_MVE_CONV_H */
