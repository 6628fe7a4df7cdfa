"""Host reference interpreters agree with each other on the reference models."""

from __future__ import annotations

import numpy as np

from tinyvid.model.reference import litert_invoke, tflm_arena_bytes, tflm_invoke


def test_tflm_and_litert_agree_on_resnet8(resnet8_model):
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.integers(-128, 128, (1, 32, 32, 3), dtype=np.int8)
        (a,) = tflm_invoke(resnet8_model, [x])
        (b,) = litert_invoke(resnet8_model, [x])
        assert a.shape == (1, 10) and a.dtype == np.int8
        np.testing.assert_array_equal(a, b)


def test_measures_the_tflm_arena_of_the_vww_model(vww_model):
    arena = tflm_arena_bytes(vww_model)
    # MobileNetV1-0.25@96 needs about 100 KB in TFLM (the reference firmware gives 200 KiB)
    assert 60_000 < arena < 200 * 1024
