"""The fast requantization form equals TFLite's double rounding on random and edge cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyvid.codegen.fast.requant import MAX_FAST_SHIFT, fast_requant, reference_requant


@settings(max_examples=300, deadline=None, derandomize=True)
@given(m=st.integers(1 << 30, (1 << 31) - 1), e=st.integers(1, MAX_FAST_SHIFT), zp=st.integers(-128, 127),
       acc=st.lists(st.one_of(st.integers(-(1 << 31), (1 << 31) - 1), st.integers(-70000, 70000)), min_size=1, max_size=20))
def test_fast_form_equals_tflite_double_rounding(m, e, zp, acc):
    f = fast_requant(np.array([m]), np.array([-e]), zp)
    assert f is not None
    a = np.array(acc, np.int64)
    k, sh = int(f.k[0]), int(f.sh[0])
    fast = [(int(x) * m + k - ((1 << 31) if x < 0 else 0)) >> sh for x in a]
    assert fast == reference_requant(a, m, -e, zp).tolist()
    lo, hi = f.k_words()
    assert (int(hi[0]) << 32) + (int(lo[0]) & 0xFFFFFFFF) == k


def test_channels_outside_the_fast_range_are_refused():
    assert fast_requant(np.array([1 << 30]), np.array([1]), 0) is None  # a left shift
    assert fast_requant(np.array([1 << 30]), np.array([0]), 0) is None  # e = 0
    assert fast_requant(np.array([1 << 29]), np.array([-3]), 0) is None
    assert fast_requant(np.array([1 << 30]), np.array([-(MAX_FAST_SHIFT + 1)]), 0) is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(m=st.integers(1 << 30, (1 << 31) - 1), e=st.integers(1, 31), zp=st.integers(-128, 127),
       acc=st.lists(st.one_of(st.integers(-(1 << 31), (1 << 31) - 1), st.integers(-70000, 70000)), min_size=1, max_size=20))
def test_zero_point_after_the_shift_takes_right_shifts_up_to_31(m, e, zp, acc):
    f = fast_requant(np.array([m]), np.array([-e]), zp, zero_point_in_k=False)
    assert f is not None and f.zero_point == zp
    k, sh = int(f.k[0]), int(f.sh[0])
    a = np.array(acc, np.int64)
    fast = []
    for x in a.tolist():
        t = x * m + k - ((1 << 31) if x < 0 else 0)
        assert -(1 << 63) <= t < (1 << 63)
        fast.append((t >> sh) + f.zero_point)
    assert fast == reference_requant(a, m, -e, zp).tolist()


def test_a_zero_multiplier_gives_the_zero_point_in_the_fast_form():
    f = fast_requant(np.array([0, 1 << 30]), np.array([0, -3]), -7)
    assert f is not None and f.m[0] == 0
    for x in (-(1 << 31), -1, 0, 1, (1 << 31) - 1):
        assert (x * 0 + int(f.k[0]) - ((1 << 31) if x < 0 else 0)) >> int(f.sh[0]) == -7 == reference_requant(np.array([x]), 0, 0, -7)[0]
