"""Models the code generator cannot handle: a clear error, exit code 2, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

from .modelbuilder import Op, T, build


def run_emit(model: bytes, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["emit", str(path), "-o", str(out)])
    return result, out


def test_unsupported_operator_names_it_its_index_and_the_supported_list(tmp_path):
    x = T((1, 8), "int8", 0.1, 0)
    model = build([x, T((1, 8), "int8", 0.1, 0), T((1, 8), "int8", 0.1, 0)],
                  [Op("RESHAPE", [0], [1]), Op("EXP", [1], [2])], [0], [2])
    result, out = run_emit(model, tmp_path)
    assert result.exit_code == 2
    assert "operator 1 (EXP)" in result.output and "supported:" in result.output and "CONV_2D" in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".tinyvid-*"))


def test_float_model_is_refused(tmp_path):
    model = build([T((1, 4), "float32"), T((1, 4), "float32")], [Op("RELU", [0], [1])], [0], [1])
    result, out = run_emit(model, tmp_path)
    assert result.exit_code == 2
    assert "float32" in result.output and "int8" in result.output
    assert not out.exists()


def test_int16_activations_are_refused(tmp_path):
    x = T((1, 4, 4, 2), "int16", 0.01, 0)
    y = T((1, 4, 4, 2), "int16", 0.01, 0)
    model = build([x, y], [Op("MAX_POOL_2D", [0], [1], "Pool2DOptions", dict(Padding=0, StrideW=1, StrideH=1, FilterWidth=1, FilterHeight=1))], [0], [1])
    result, out = run_emit(model, tmp_path)
    assert result.exit_code == 2
    assert "int16" in result.output
    assert not out.exists()


def test_inconsistent_shapes_are_a_model_error(tmp_path):
    rng = np.random.default_rng(0)
    w = T((4, 3, 3, 2), "int8", 0.01, 0, 0, rng.integers(-127, 128, (4, 3, 3, 2)).astype(np.int8))
    model = build([T((1, 8, 8, 2), "int8", 0.1, 0), w, T((1, 5, 5, 4), "int8", 0.1, 0)],
                  [Op("CONV_2D", [0, 1, -1], [2], "Conv2DOptions", dict(Padding=0, StrideW=1, StrideH=1))], [0], [2])
    result, out = run_emit(model, tmp_path)
    assert result.exit_code == 2
    assert "operator 0 (CONV_2D)" in result.output and "padding gives 8x8" in result.output
    assert not out.exists()


def test_garbage_file_is_refused(tmp_path):
    result, out = run_emit(b"\x00" * 100, tmp_path)
    assert result.exit_code == 2 and "not a TFLite model" in result.output
    assert not out.exists()


def test_softmax_on_a_degenerate_scale_is_refused_before_tflm_would_abort(tmp_path):
    model = build([T((1, 4), "int8", 1e-9, 0), T((1, 4), "int8", 1 / 256, -128)], [Op("SOFTMAX", [0], [1], "SoftmaxOptions", dict(Beta=1.0))], [0], [1])
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    result = CliRunner().invoke(main, ["verify", str(path), "--samples", "2"])
    assert result.exit_code == 2
    assert "too small for int8 softmax" in result.output


def test_output_path_that_is_a_file_is_refused(tmp_path, resnet8_model):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = CliRunner().invoke(main, ["emit", str(resnet8_model), "-o", str(target)])
    assert result.exit_code == 2 and "is a file" in result.output
    from tinyvid.codegen import emit
    from tinyvid.errors import OutputPathError

    with pytest.raises(OutputPathError, match="not a folder"):
        emit(resnet8_model, target, measure_tflm=False)
    assert target.read_text() == "not a folder"
