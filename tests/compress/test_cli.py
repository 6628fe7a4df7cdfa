import json

import pytest
from click.testing import CliRunner

from tinyvid.cli import main


def _run(args):
    return CliRunner().invoke(main, args)


def test_missing_model_file_exits_2_with_one_error_line(tmp_path):
    result = _run(["compress", str(tmp_path / "missing.keras")])
    assert result.exit_code == 2
    lines = [l for l in result.output.splitlines() if l.startswith("error:")]
    assert len(lines) == 1 and "not found" in lines[0]
    assert "Traceback" not in result.output


def test_unreadable_model_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip file")
    result = _run(["compress", str(bad)])
    assert result.exit_code == 2
    assert "cannot read" in result.output and "Traceback" not in result.output


def test_a_tflite_file_is_refused_with_a_hint_to_compress_its_keras_source(tmp_path):
    model = tmp_path / "model.tflite"
    model.write_bytes(b"\0" * 16)
    result = _run(["compress", str(model)])
    assert result.exit_code == 2 and "already converted" in result.output and "Keras model it came from" in result.output


def test_another_file_type_is_refused_with_a_hint_to_save_it_as_keras(tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"\0" * 16)
    result = _run(["compress", str(model)])
    assert result.exit_code == 2 and "not .onnx" in result.output and "tinyvid import" in result.output


def test_a_sparsity_of_one_is_rejected_by_the_option(tmp_path):
    result = _run(["compress", str(tmp_path / "m.keras"), "--sparsity", "1"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_compress_prints_a_json_report(small_model_path, tmp_path):
    result = CliRunner().invoke(
        main, ["compress", str(small_model_path), "--structured", "0.25", "--epochs", "1", "-o", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["stages"]] == ["float", "structured", "int8"]
    assert (tmp_path / "model_int8.tflite").is_file()
