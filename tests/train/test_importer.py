import json

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.errors import ModelError
from tinyvid.train.importer import import_model, import_to


@pytest.fixture(scope="module")
def float_tflite(trained_small, tmp_path_factory):
    from tinyvid._tf import tf

    data = tf().lite.TFLiteConverter.from_keras_model(trained_small.model).convert()
    path = tmp_path_factory.mktemp("tfl") / "small_float.tflite"
    path.write_bytes(data)
    return path


def _same_predictions(imported, trained_small):
    x = trained_small.dataset.test.x[:8]
    expected = trained_small.model(x, training=False).numpy()
    np.testing.assert_allclose(imported.keras_model(x, training=False).numpy(), expected, atol=1e-5)


@pytest.mark.slow
def test_imports_keras_file(trained_small):
    m = import_model(trained_small.model_path)
    assert (m.kind, m.input_shape, m.num_outputs, m.input_dtype) == ("keras", (16, 16, 1), 2, "float32")
    _same_predictions(m, trained_small)


@pytest.mark.slow
def test_train_import_inspect_and_compress_count_the_parameters_the_tflite_holds(trained_small):
    from tinyvid.compress.pipeline import _tflite_macs_params
    from tinyvid.model.convert import keras_to_tflite
    from tinyvid.model.inspect import inspect_model

    stats = inspect_model(trained_small.model_path)
    macs, params = _tflite_macs_params(keras_to_tflite(trained_small.model))
    imported = import_model(trained_small.model_path)
    assert trained_small.record["parameters"] == imported.details["parameters"] == stats.total_params == params
    assert trained_small.record["macs"] == imported.details["macs"] == stats.total_macs == macs
    # BatchNormalization folds into the convolutions: fewer than Keras' count_params()
    assert params < trained_small.model.count_params()


@pytest.mark.slow
def test_imports_h5_file(trained_small, tmp_path):
    path = tmp_path / "model.h5"
    trained_small.model.save(path)
    m = import_model(path)
    assert m.kind == "keras" and m.num_outputs == 2
    _same_predictions(m, trained_small)


@pytest.mark.slow
def test_imports_keras_savedmodel_folder(trained_small, tmp_path):
    path = tmp_path / "saved"
    trained_small.model.save(path, save_format="tf")
    m = import_model(path)
    assert m.kind == "savedmodel" and m.keras_model is not None and m.input_shape == (16, 16, 1)
    _same_predictions(m, trained_small)


@pytest.mark.slow
def test_converts_plain_tensorflow_savedmodel_to_float_tflite(tmp_path):
    from tinyvid._tf import tf

    t = tf()

    class Brightness(t.Module):
        @t.function(input_signature=[t.TensorSpec([1, 8, 8, 1], t.float32)])
        def __call__(self, x):
            m = t.reduce_mean(x, axis=[1, 2, 3])
            return t.nn.softmax(t.stack([m, 1.0 - m], axis=1))

    t.saved_model.save(Brightness(), str(tmp_path / "sm"))
    m = import_model(tmp_path / "sm")
    assert m.kind == "savedmodel" and m.details["converted_to"] == "tflite-float"
    assert m.keras_model is None and m.tflite_bytes[4:8] == b"TFL3"
    assert m.input_shape == (8, 8, 1) and m.num_outputs == 2


@pytest.mark.slow
def test_imports_float_tflite(float_tflite):
    m = import_model(float_tflite)
    assert (m.kind, m.input_shape, m.num_outputs, m.input_dtype) == ("tflite-float", (16, 16, 1), 2, "float32")
    assert not m.is_int8


def test_imports_int8_tflite(resnet8_model):
    m = import_model(resnet8_model)
    assert (m.kind, m.input_shape, m.num_outputs, m.input_dtype) == ("tflite-int8", (32, 32, 3), 10, "int8")
    assert m.details["input_quantization"]["zero_point"] == -128
    assert m.details["output_quantization"] == {"scale": pytest.approx(1 / 256), "zero_point": -128}


def test_import_to_copies_tflite_and_writes_record(resnet8_model, tmp_path):
    _, record = import_to(resnet8_model, tmp_path / "out")
    assert (tmp_path / "out" / "model.tflite").read_bytes() == resnet8_model.read_bytes()
    saved = json.loads((tmp_path / "out" / "model.json").read_text())
    assert saved == record and saved["model"]["kind"] == "tflite-int8" and saved["num_classes"] == 10
    assert len(saved["source"]["sha256"]) == 64


@pytest.mark.slow
def test_import_command_prints_a_summary(trained_small, tmp_path):
    result = CliRunner().invoke(main, ["import", str(trained_small.model_path), "-o", str(tmp_path / "imp")])
    assert result.exit_code == 0, result.output
    assert "keras" in result.output and "16x16x1" in result.output
    assert (tmp_path / "imp" / "model.keras").is_file() and (tmp_path / "imp" / "model.json").is_file()


@pytest.mark.parametrize(
    "name, content, message",
    [("random.tflite", bytes(range(256)) * 4, "not a TFLite model"),
     ("model.keras", b"PK\x03\x04 definitely not a zip", "cannot load Keras model"),
     ("model.h5", b"\x89HDF\r\n\x1a\n truncated", "cannot load Keras model"),
     ("model.caffemodel", b"\x08\x07", "unknown format '.caffemodel'"),
     ("model.pth", b"PK\x03\x04 a state dict", "PyTorch checkpoint")],
)
def test_rejects_a_file_it_cannot_read(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as err:
        import_model(path)
    assert err.value.hint
    result = CliRunner().invoke(main, ["import", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error:" in result.output and "hint:" in result.output


def test_rejects_a_truncated_tflite(resnet8_model, tmp_path):
    path = tmp_path / "cut.tflite"
    path.write_bytes(resnet8_model.read_bytes()[:5000])
    with pytest.raises(ModelError, match="cut.tflite"):
        import_model(path)


def test_rejects_a_folder_that_is_no_savedmodel(tmp_path):
    with pytest.raises(ModelError, match="not a SavedModel"):
        import_model(tmp_path)
