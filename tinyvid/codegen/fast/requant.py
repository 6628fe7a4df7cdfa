"""Requantization constants of the optimised kernels (one owner for every specialisation).

TFLite's ``MultiplyByQuantizedMultiplier(acc, m, shift)`` followed by ``+ zero_point``
is, for ``m`` in [2^30, 2^31) and a right shift ``e = -shift`` in [1, 22], exactly

    (acc * m + k - [acc < 0] * 2^31) >> (31 + e),   k = 2^30 + 2^(30 + e) + zp * 2^(31 + e)

(``tv_requant_fast`` in ``kernels/tv_arm.h``: one SMLAL and a shift). A zero multiplier
(a channel whose scale underflowed: TFLite gives m = 0, shift 0, so the output is the
zero point) is the same form with m = 0, e = 1. With ``zero_point_in_k=False`` the zero
point stays out of ``k`` and the kernel adds ``FastRequant.zero_point`` after the shift:
then right shifts up to 31 fit (trained models have channels with e of 23..31). Channels
outside that range (left shifts, e = 0) keep the general form ``tv_mul_by_quantized_mul``;
:func:`fast_requant` says whether every channel fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: right shifts for which k fits int64 with any int8 zero point
MAX_FAST_SHIFT = 22
#: right shifts of the form with the zero point added after the shift (acc * m + k fits int64)
MAX_FAST_SHIFT_ZP_AFTER = 31


@dataclass(frozen=True)
class FastRequant:
    m: np.ndarray  # int32 multipliers
    k: np.ndarray  # int64 rounding + zero-point constants
    sh: np.ndarray  # int32 total right shifts (31 + e)
    zero_point: int = 0  # added after the shift (0 when k holds it)

    def k_words(self) -> tuple[np.ndarray, np.ndarray]:
        """``k`` as (low, high) int32 words, for kernels that keep the 64-bit constant in two registers."""
        u = self.k.astype(np.int64).view(np.uint64)
        lo = (u & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32)
        hi = (u >> np.uint64(32)).astype(np.uint32).view(np.int32)
        return lo, hi


def fast_requant(mult: np.ndarray, shift: np.ndarray, out_zero_point: int, *,
                 zero_point_in_k: bool = True) -> FastRequant | None:
    """The fast-form constants for per-channel ``mult``/``shift`` (TFLM's), or None if a channel does not fit.

    ``zero_point_in_k=False``: k leaves the zero point out (``FastRequant.zero_point`` is
    to be added after the shift) and right shifts up to 31 are accepted."""
    mult = np.asarray(mult, np.int64).reshape(-1)
    shift = np.asarray(shift, np.int64).reshape(-1)
    zero = mult == 0
    e = np.where(zero, 1, -shift)
    limit = MAX_FAST_SHIFT if zero_point_in_k else MAX_FAST_SHIFT_ZP_AFTER
    normal = (mult >= (1 << 30)) & (mult < (1 << 31))
    if mult.size == 0 or not np.all(zero | normal) or np.any(e < 1) or np.any(e > limit):
        return None
    zp_k = int(out_zero_point) if zero_point_in_k else 0
    k = [(1 << 30) + (1 << (30 + int(ei))) + zp_k * (1 << (31 + int(ei))) for ei in e]
    return FastRequant(mult.astype(np.int32), np.array(k, np.int64), (31 + e).astype(np.int32),
                       0 if zero_point_in_k else int(out_zero_point))


def reference_requant(acc: np.ndarray, mult: int, shift: int, out_zero_point: int) -> np.ndarray:
    """TFLite's double-rounding requantization + zero point, in exact Python integers (for tests)."""
    out = []
    for a in np.asarray(acc, np.int64).reshape(-1).tolist():
        left, right = max(shift, 0), max(-shift, 0)
        x = (a * (1 << left) + (1 << 31)) % (1 << 32) - (1 << 31)
        if x == mult == -(1 << 31):
            h = (1 << 31) - 1
        else:
            ab = x * mult
            nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
            v = ab + nudge
            h = abs(v) >> 31 if v >= 0 else -(abs(v) >> 31)
        mask = (1 << right) - 1
        threshold = (mask >> 1) + (1 if h < 0 else 0)
        out.append((h >> right) + (1 if (h & mask) > threshold else 0) + out_zero_point)
    return np.array(out, np.int64)


def clamp_c(value: str, act_min: int, act_max: int, prefix: str) -> str:
    """C of ``(int8_t)clamp(value, act_min, act_max)`` for an int32 ``value``: SSAT #8, then only the
    bounds the activation narrows (GCC does not turn a two-sided clamp into SSAT by itself)."""
    v = f"{prefix}_ssat8({value})"
    if act_min > -128:
        v = f"{prefix}_max_i32({v}, {act_min})"
    if act_max < 127:
        v = f"{prefix}_min_i32({v}, {act_max})"
    return f"(int8_t){v}"


@dataclass(frozen=True)
class MulHiRequant:
    """Constants of ``tv_requant_mulhi`` (the doubled-accumulator form), per channel."""

    m: np.ndarray  # int32 multipliers (TFLM's; 0 for a zero multiplier)
    c: np.ndarray  # int32 2^(e-1) + zero_point * 2^e
    e: np.ndarray  # int32 right shifts, 1..22


def mulhi_requant(mult: np.ndarray, shift: np.ndarray, out_zero_point: int) -> MulHiRequant | None:
    """TFLite's requantization + zero point as ``(smmlar(2 * acc, m, c) + [acc < 0 ? -1 : 0]) >> e``, or None.

    For the accumulator doubled (2 * acc, |acc| < 2^30): SMMLAR's rounded high word of
    2 * acc * m is exactly SaturatingRoundingDoublingHighMul(acc, m) = floor((acc * m + 2^30) / 2^31);
    RoundingDivideByPOT(x, e) is floor((x + 2^(e-1) - [x < 0]) / 2^e), and [acc < 0] may stand for
    [x < 0] (they differ only where x = 0, which rounds to 0 either way for e >= 1). The same channels
    as :func:`fast_requant` qualify."""
    fast = fast_requant(mult, shift, out_zero_point)
    if fast is None:
        return None
    e = fast.sh.astype(np.int64) - 31
    c = (1 << (e - 1)) + int(out_zero_point) * (1 << e)
    return MulHiRequant(fast.m.astype(np.int32), c.astype(np.int32), e.astype(np.int32))


def reference_mulhi(acc: np.ndarray, rq: MulHiRequant, channel: int) -> np.ndarray:
    """``tv_requant_mulhi`` in exact Python integers (for tests)."""
    m, c, e = int(rq.m[channel]), int(rq.c[channel]), int(rq.e[channel])
    out = []
    for a in np.asarray(acc, np.int64).reshape(-1).tolist():
        y = ((c << 32) + 2 * a * m + (1 << 31)) >> 32
        out.append((y - (1 if a < 0 else 0)) >> e)
    return np.array(out, np.int64)

