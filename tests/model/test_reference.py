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


def test_a_model_tflm_aborts_on_is_a_model_error_not_a_crash():
    import sys
    from pathlib import Path

    import pytest

    from tinyvid.errors import ModelError
    from tinyvid.model.reference import tflm_invoke_batch

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "codegen"))
    from modelbuilder import Op, T, build

    # a softmax whose input scale is so small that TFLM's Prepare fails a hard check
    model = build([T((1, 4), "int8", 1e-9, 0), T((1, 4), "int8", 1 / 256, -128)], [Op("SOFTMAX", [0], [1], "SoftmaxOptions", dict(Beta=1.0))], [0], [1])
    with pytest.raises(ModelError, match="tflite-micro cannot run the model"):
        tflm_invoke_batch(model, [[np.zeros((1, 4), np.int8)]])
