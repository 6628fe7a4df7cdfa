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


def test_float_inputs_and_outputs_around_an_int8_graph_become_the_int8_api(tmp_path):
    """QUANTIZE after a float input and DEQUANTIZE before a float output are dropped;
    the C API takes and gives the int8 tensors, bit-exact with TFLM's float model."""
    from tinyvid.codegen import emit

    from .modelbuilder import Op, T, build

    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 3, 3, 2)).astype(np.int8)
    tensors = [T((1, 6, 6, 2), "float32"), T((1, 6, 6, 2), "int8", 0.02, -3), T(w.shape, "int8", [0.01] * 4, [0] * 4, 0, w),
               T((1, 6, 6, 4), "int8", 0.1, 5), T((1, 6, 6, 4), "float32")]
    ops = [Op("QUANTIZE", [0], [1]), Op("CONV_2D", [1, 2, -1], [3], "Conv2DOptions", dict(Padding=0, StrideW=1, StrideH=1)),
           Op("DEQUANTIZE", [3], [4])]
    model = build(tensors, ops, [0], [4])
    r = verify(model, samples=20, measure_tflm_arena=False)
    assert r.differing_bytes == 0 and r.compared_bytes == 22 * 144
    path = tmp_path / "float_io.tflite"
    path.write_bytes(model)
    e = emit(path, tmp_path / "out", measure_tflm=False)
    assert e.opcodes == ["CONV_2D"]
    assert (e.inputs[0].dtype, e.inputs[0].zero_point) == ("int8", -3)
    assert (e.outputs[0].dtype, e.outputs[0].zero_point) == ("int8", 5)
