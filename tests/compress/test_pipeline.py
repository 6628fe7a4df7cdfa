import json

import numpy as np
import pytest

from tinyvid.compress.data import load_matching_dataset
from tinyvid.compress.pipeline import compress
from tinyvid.errors import DataError, ModelError


@pytest.fixture(scope="module")
def structured_report(small_model_path, small_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("compressed")
    return compress(small_model_path, small_data, structured=0.5, epochs=2, seed=0, out_dir=out, progress=False,
                    calibration_frames=64, tflm_frames=4), out


@pytest.mark.slow
def test_compress_writes_the_models_and_a_report_with_every_stage(structured_report):
    report, out = structured_report
    for name in ("model_compressed.keras", "model_float.tflite", "model_int8.tflite", "report.json"):
        assert (out / name).is_file()
    data = json.loads((out / "report.json").read_text())
    assert [s["name"] for s in data["stages"]] == ["float", "structured", "int8"]
    for stage in data["stages"]:
        for key in ("accuracy", "params", "macs", "tflite_bytes", "sparsity", "agreement_with_float"):
            assert stage[key] is not None, key
    int8 = data["stages"][-1]
    assert int8["tflite_bytes"] == (out / "model_int8.tflite").stat().st_size
    assert int8["agreement_with_source"] >= 0.9
    assert data["tflm"]["agree"] and data["tflm"]["max_lsb"] <= data["tflm"]["tolerance_lsb"]
    assert data["structured_layers"] and all(set(l) >= {"name", "in_channels", "out_channels", "macs"} for l in data["structured_layers"])
    assert data == json.loads(report.to_json())


@pytest.mark.slow
def test_structured_stage_really_has_fewer_macs_and_a_smaller_file(structured_report):
    report, _ = structured_report
    float_stage, structured, int8 = report.stages
    assert structured.macs <= 0.6 * float_stage.macs
    assert int8.macs == structured.macs
    assert structured.tflite_bytes < float_stage.tflite_bytes
    assert "structured pruning, per layer" in report.format_table()


@pytest.mark.slow
def test_int8_accuracy_is_measured_on_the_test_split(structured_report):
    report, out = structured_report
    from tinyvid.compress.evaluate import tflite_outputs
    from tinyvid.data import load_dataset

    data = load_dataset("synthetic", image_size=(24, 24), channels=1, seed=0)
    outputs = tflite_outputs((out / "model_int8.tflite").read_bytes(), data.test.x)
    assert report.stage("int8").accuracy == pytest.approx(float(np.mean(np.argmax(outputs, -1) == data.test.y)))
    assert report.test_frames == len(data.test)


def test_a_data_set_of_another_shape_is_a_data_error():
    from tinyvid.data import load_dataset

    other = load_dataset("synthetic", image_size=(20, 20), channels=1, seed=0)
    with pytest.raises(DataError, match="model takes"):
        load_matching_dataset((24, 24, 1), 3, other)


def test_a_source_name_is_loaded_at_the_model_input_size():
    data = load_matching_dataset((24, 24, 1), 3, "synthetic")
    assert data.input_shape == (24, 24, 1)


def test_a_missing_model_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        compress(tmp_path / "nope.keras", "synthetic", out_dir=tmp_path)


@pytest.mark.slow
def test_distillation_from_a_teacher_file_fine_tunes_the_pruned_student(small_model_path, small_data, tmp_path):
    report = compress(small_model_path, small_data, structured=0.5, teacher=small_model_path, epochs=1, out_dir=tmp_path,
                      progress=False, calibration_frames=32, tflm_frames=2)
    assert "distillation" in report.stage("structured").note
    assert report.options["teacher"] == str(small_model_path)
    assert report.stage("structured").agreement_with_float > 0.6


@pytest.mark.slow
def test_a_teacher_of_another_input_shape_is_a_model_error(small_model):
    from tinyvid.compress.distill import make_distiller
    from tinyvid.train import build_model

    teacher = build_model("tiny_cnn", (32, 32, 1), 3)
    with pytest.raises(ModelError, match="teacher takes frames"):
        make_distiller(small_model, teacher)
