"""TFLite's quantization arithmetic on the host side: multipliers, shifts, clamps, padding.

Everything here mirrors what TFLite Micro computes in each kernel's Prepare step,
including where it rounds in float32 and where in double, so that the constants
baked into the generated C are the very ones TFLM would use.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


def tflite_round(x: float) -> int:
    """std::round: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's QuantizeMultiplier: real = m * 2^shift / 2^31 with m in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    if not math.isfinite(real):
        raise ValueError(f"multiplier {real} is not finite")
    q, shift = math.frexp(real)
    q_fixed = tflite_round(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if shift > 31:
        raise ValueError(f"scale ratio {real:.3g} is out of the range fixed-point arithmetic can represent")
    if q_fixed > 2**31 - 1 or q_fixed < -(2**31):
        raise ValueError(f"multiplier {real} does not fit")
    return int(q_fixed), int(shift)


def f32(x) -> np.float32:
    return np.float32(x)


def conv_multiplier(input_scale, filter_scale, output_scale) -> float:
    """Effective output scale of CONV/DEPTHWISE/FULLY_CONNECTED (double, from float32 scales)."""
    return float(np.float64(f32(input_scale))) * float(np.float64(f32(filter_scale))) / float(np.float64(f32(output_scale)))


def activation_range(activation: str, scale, zero_point: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for int8 outputs."""
    scale = f32(scale)

    def q(v: float) -> int:
        return int(zero_point) + tflite_round(float(f32(v) / scale))

    if activation == "NONE":
        return INT8_MIN, INT8_MAX
    if activation == "RELU":
        return max(INT8_MIN, q(0.0)), INT8_MAX
    if activation == "RELU6":
        return max(INT8_MIN, q(0.0)), min(INT8_MAX, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(INT8_MIN, q(-1.0)), min(INT8_MAX, q(1.0))
    raise ValueError(activation)


def out_size(padding: str, size: int, kernel: int, stride: int, dilation: int = 1) -> int:
    effective = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size + stride - effective) // stride


def padding_offset(padding: str, size: int, kernel: int, stride: int, dilation: int, out: int) -> int:
    """ComputePaddingHeightWidth: the leading padding of one spatial dimension."""
    effective = (kernel - 1) * dilation + 1
    needed = max(0, (out - 1) * stride + effective - size)
    return needed // 2
