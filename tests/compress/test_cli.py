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
    assert "cannot load Keras model" in result.output and "Traceback" not in result.output


def test_a_corrupt_tflite_file_is_refused_in_one_line(tmp_path):
    model = tmp_path / "model.tflite"
    model.write_bytes(b"\0" * 16)
    result = _run(["compress", str(model)])
    assert result.exit_code == 2 and "not a TFLite model" in result.output and "Traceback" not in result.output


def test_an_int8_tflite_is_refused_with_a_hint_to_make_its_project(resnet8_model, tmp_path):
    result = _run(["compress", str(resnet8_model), "--data", "synthetic", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "already a full-int8" in result.output
    assert f"tinyvid project {resnet8_model} -o DIR" in result.output


def test_another_file_type_is_refused_naming_the_formats_tinyvid_reads(tmp_path):
    model = tmp_path / "model.caffemodel"
    model.write_bytes(b"\0" * 16)
    result = _run(["compress", str(model)])
    assert result.exit_code == 2 and "unknown format '.caffemodel'" in result.output and ".tflite" in result.output


def test_a_sparsity_of_one_is_rejected_by_the_option(tmp_path):
    result = _run(["compress", str(tmp_path / "m.keras"), "--sparsity", "1"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_compress_prints_a_json_report(small_model_path, tmp_path):
    result = CliRunner().invoke(
        main, ["compress", str(small_model_path), "--data", "synthetic", "--structured", "0.25", "--epochs", "1",
               "-o", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["stages"]] == ["float", "structured", "int8"]
    assert (tmp_path / "model_int8.tflite").is_file()
