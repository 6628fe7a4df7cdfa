"""``tinyvid verify`` on the reference models: 0 differing bytes over 102 inputs under ASan+UBSan."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from tinyvid.cli import main

from tinyvid.codegen.verify import format_result, verify

from .modelbuilder import conv_model


def test_vww_is_bit_exact_with_tflm_over_102_inputs(vww_model):
    r = verify(vww_model, samples=100)
    assert r.samples == 102 and r.compared_bytes == 102 * 2
    assert r.differing_bytes == 0 and r.first_bad_operator is None
    assert r.arena_bytes <= r.tflm_arena_bytes


def test_resnet8_is_bit_exact_with_tflm_over_102_inputs_from_the_cli(resnet8_model):
    result = CliRunner().invoke(main, ["verify", str(resnet8_model), "--samples", "100", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["differing_bytes"] == 0 and data["compared_bytes"] == 102 * 10
    assert data["sanitizers"] == "address,undefined"


def test_a_wrong_kernel_is_reported_with_the_first_bad_operator(monkeypatch):
    """Break the requantization of CONV_2D on purpose: verify must see it and point at it."""
    from tinyvid.codegen.ops import conv2d

    real = conv2d._multipliers

    def off_by_one(*args):
        m, s = real(*args)
        return m + np.int32(1 << 24), s

    monkeypatch.setattr(conv2d, "_multipliers", off_by_one)
    model = conv_model(np.random.default_rng(1), h=6, w=6, cin=3, cout=4, kh=3, kw=3)
    r = verify(model, samples=10, measure_tflm_arena=False)
    assert r.differing_bytes > 0 and r.max_abs_diff >= 1
    assert r.first_bad_operator is not None and r.first_bad_operator.opcode == "CONV_2D"
    assert "MISMATCH" in format_result(r)
