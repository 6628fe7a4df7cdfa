"""The dsp ADD (two exact tables) and pooling / MEAN (four channels per load) kernels match tflite-micro."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.fast.add import input_table
from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import binary_model, mean_model, pool_model

PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ACTS = st.sampled_from(["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])


def variant(model: bytes) -> str:
    return lower_graph(load_graph(model), "tvv", "dsp").calls[0].variant


def assert_bit_exact_dsp(model: bytes, samples: int = 6) -> None:
    r = verify(model, samples=samples, measure_tflm_arena=False, target="dsp")
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


@PROPERTY
@given(seed=st.integers(0, 2**31), shape=st.sampled_from([(1, 4, 4, 3), (7,), (2, 3, 5), (1, 3, 3, 17), (1, 1, 1, 1)]),
       act=ACTS, const_second=st.booleans())
def test_add_by_tables_matches_tflm(seed, shape, act, const_second):
    model = binary_model(np.random.default_rng(seed), "ADD", shape, shape, act=act, const_second=const_second)
    assert variant(model) == "dsp-add-tables"
    assert_bit_exact_dsp(model)


def test_add_with_broadcasting_keeps_the_portable_kernel():
    model = binary_model(np.random.default_rng(0), "ADD", (1, 4, 4, 3), (1, 1, 1, 3))
    assert variant(model) == "c"
    assert_bit_exact_dsp(model)


def test_add_table_is_tflm_arithmetic_at_the_ends():
    # offset 0, multiplier 2^30 (0.5), shift 0: (x << 20) * 0.5 exactly
    t = input_table(0, 1 << 30, 0)
    assert t[0] == -128 << 19 and t[255] == 127 << 19 and t[128] == 0


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), c=st.integers(1, 11), kh=st.integers(1, 4),
       kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3), padding=st.sampled_from(["SAME", "VALID"]), act=ACTS)
def test_average_pool_matches_tflm(seed, h, w, c, kh, kw, sh, sw, padding, act):
    assume(padding == "SAME" or (h >= kh and w >= kw))
    model = pool_model(np.random.default_rng(seed), "AVERAGE_POOL_2D", h=h, w=w, c=c, kh=kh, kw=kw, stride=(sh, sw),
                       padding=padding, act=act)
    assert variant(model) == "dsp-avgpool"
    assert_bit_exact_dsp(model)


def test_global_average_pools_of_the_reference_models_match_tflm():
    for seed, (hw, c) in enumerate([(3, 256), (8, 64), (16, 5)]):  # vww, resnet8, 256 cells (the int16 lane limit)
        model = pool_model(np.random.default_rng(seed), "AVERAGE_POOL_2D", h=hw, w=hw, c=c, kh=hw, kw=hw)
        assert variant(model) == "dsp-avgpool"
        assert_bit_exact_dsp(model, samples=3)


def test_windows_beyond_the_int16_lanes_keep_the_portable_kernel():
    assert variant(pool_model(np.random.default_rng(0), "AVERAGE_POOL_2D", h=17, w=16, c=4, kh=17, kw=16)) == "c"


@PROPERTY
@given(seed=st.integers(0, 2**31), n=st.integers(1, 2), h=st.integers(1, 9), w=st.integers(1, 9), c=st.integers(1, 13),
       keep=st.booleans(), same=st.booleans(), axes=st.sampled_from([[1, 2], [2, 1], [-3, -2]]))
def test_mean_over_height_and_width_matches_tflm(seed, n, h, w, c, keep, same, axes):
    model = mean_model(np.random.default_rng(seed), (n, h, w, c), axes, keep, same_quantization=same)
    assert variant(model) == "dsp-mean"
    assert_bit_exact_dsp(model)


def test_mean_over_other_axes_keeps_the_portable_kernel():
    assert variant(mean_model(np.random.default_rng(0), (1, 4, 5, 3), [3], True)) == "c"
