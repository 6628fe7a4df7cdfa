"""``tinyvid inspect`` from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tinyvid.cli import main


def test_prints_the_table_and_totals(vww_model):
    result = CliRunner().invoke(main, ["inspect", str(vww_model)])
    assert result.exit_code == 0, result.output
    assert "DEPTHWISE_CONV_2D" in result.output
    assert "7,489,664" in result.output


def test_json_output_has_layers_and_totals(resnet8_model):
    result = CliRunner().invoke(main, ["inspect", str(resnet8_model), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total_macs"] == 12_501_632
    assert len(data["layers"]) == 16


def test_garbage_file_is_one_line_error_exit_2(tmp_path):
    p = tmp_path / "x.tflite"
    p.write_bytes(b"\x00" * 64)
    result = CliRunner().invoke(main, ["inspect", str(p)])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_inspects_a_keras_model_by_converting_it(tmp_path):
    from tinyvid import _tf

    keras = _tf.keras()
    inp = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(2)(x))
    path = tmp_path / "net.keras"
    model.save(path)
    result = CliRunner().invoke(main, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "net.keras"
    assert data["total_macs"] == 16 * 16 * 4 * 3 * 3 * 3 + 4 * 2
    assert data["input_dtypes"] == ["float32"]
