/**
 * @file tv_common.h
 * @brief Fixed-point helpers shared by the tinyvid int8 kernels.
 *
 * The arithmetic follows TensorFlow Lite's reference kernels bit for bit:
 * a real multiplier M is stored as a Q0.31 significand and a power-of-two
 * shift, and x * M is computed as a saturating rounding doubling high
 * multiply followed by a rounding right shift ("double rounding").
 */
#ifndef TV_COMMON_H
#define TV_COMMON_H

#include <stddef.h>
#include <stdint.h>

/** Aligns a variable to n bytes (weights and the arena: 16, for DMA and SIMD loads). */
#if defined(__GNUC__) || defined(__clang__) || defined(__ARMCC_VERSION) || defined(__ICCARM__)
#define TV_ALIGNED(n) __attribute__((aligned(n)))
#else
#define TV_ALIGNED(n)
#endif

/** Maximum tensor rank the elementwise kernels handle (shapes are padded in front). */
#define TV_MAX_RANK 5

/** (a * b * 2) / 2^32 rounded to nearest, saturating the single overflow case. */
static inline int32_t tv_sat_round_doubling_high_mul(int32_t a, int32_t b)
{
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/** x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31]. */
static inline int32_t tv_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** x * 2^shift with two's complement wrap-around, as TFLite's int32 arithmetic does. */
static inline int32_t tv_shift_left_wrap(int32_t x, int32_t shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/** x * multiplier * 2^shift (multiplier Q0.31), TFLite's MultiplyByQuantizedMultiplier. */
static inline int32_t tv_mul_by_quantized_mul(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return tv_rounding_divide_by_pot(tv_sat_round_doubling_high_mul(tv_shift_left_wrap(x, left), multiplier), right);
}

static inline int32_t tv_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline int32_t tv_min_i32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static inline int32_t tv_max_i32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

/**
 * Shape and strides of a broadcasting elementwise operator, padded in front to
 * TV_MAX_RANK. A stride of 0 repeats an input along that dimension.
 */
typedef struct {
    int32_t size;                 /**< output elements */
    int32_t dims[TV_MAX_RANK];
    int32_t strides1[TV_MAX_RANK];
    int32_t strides2[TV_MAX_RANK];
} tv_broadcast_t;

/** Offsets into both inputs of output element i. */
static inline void tv_broadcast_offsets(const tv_broadcast_t *bc, int32_t i, int32_t *o1, int32_t *o2)
{
    int32_t a = 0;
    int32_t b = 0;
    int32_t d;
    for (d = TV_MAX_RANK - 1; d >= 0; --d) {
        const int32_t idx = i % bc->dims[d];
        i /= bc->dims[d];
        a += idx * bc->strides1[d];
        b += idx * bc->strides2[d];
    }
    *o1 = a;
    *o2 = b;
}

/** Two's complement wrap-around addition (TFLite's fixed-point adds never overflow in practice). */
static inline int32_t tv_add_wrap(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* First and one-past-last filter tap whose input index o + dil * k lies in [0, size). */
static inline void tv_tap_range(int32_t o, int32_t dil, int32_t taps, int32_t size, int32_t *first, int32_t *last)
{
    int32_t k0 = 0;
    int32_t k1 = taps;
    while (k0 < taps && o + dil * k0 < 0) {
        ++k0;
    }
    while (k1 > k0 && o + dil * (k1 - 1) >= size) {
        --k1;
    }
    *first = k0;
    *last = k1;
}

#endif /* TV_COMMON_H */
