"""Keras 3 models are rebuilt as tf-keras models that compute the same thing."""

import numpy as np
import pytest

from tinyvid.errors import ModelError
from tinyvid.train.importer import import_model, load_keras
from tinyvid.train.keras3 import saved_by_keras3

pytestmark = pytest.mark.slow  # every test converts a real model


@pytest.fixture(scope="module")
def keras3():
    from tinyvid import _tf

    _tf.tf()
    import keras

    assert keras.__version__.startswith("3.")
    return keras


def _save(model, path):
    model.save(path)
    return path


def test_a_functional_keras3_model_with_an_operator_and_a_nested_model_is_rebuilt(keras3, tmp_path):
    k = keras3
    inputs = k.Input((12, 12, 3))
    x = k.layers.Conv2D(4, 3, padding="same", kernel_regularizer=k.regularizers.L2(1e-4))(inputs)
    x = k.layers.BatchNormalization()(x)
    x = x + k.layers.Conv2D(4, 1)(x)  # a Keras 3 operation, not a layer
    inner = k.Sequential([k.Input((12, 12, 4)), k.layers.SeparableConv2D(6, 3), k.layers.ReLU(6.0)], name="inner")
    x = k.layers.GlobalAveragePooling2D()(inner(x))
    model = k.Model(inputs, k.layers.Dense(2, activation="softmax")(x))
    frames = np.random.default_rng(1).random((3, 12, 12, 3), dtype=np.float32)
    path = _save(model, tmp_path / "m.keras")
    assert saved_by_keras3(path)
    copy = load_keras(path)
    assert type(copy).__module__.startswith("tf_keras")
    np.testing.assert_allclose(copy(frames).numpy(), model(frames).numpy(), atol=1e-5)
    assert [layer.name for layer in copy.layers if layer.name == "inner"]


def test_a_lambda_layer_is_refused_in_one_message(keras3, tmp_path):
    k = keras3
    inputs = k.Input((8, 8, 1))
    model = k.Model(inputs, k.layers.Dense(2)(k.layers.Flatten()(k.layers.Lambda(lambda t: t * 2, name="double")(inputs))))
    path = _save(model, tmp_path / "m.keras")
    with pytest.raises(ModelError, match="Lambda") as err:
        import_model(path)
    assert "keras.layers" in err.value.hint


def test_a_tf_saved_model_save_folder_of_a_keras3_model_imports_as_a_float_tflite(keras3, tmp_path):
    from tinyvid import _tf
    from tinyvid.model.reference import litert_invoke

    k = keras3
    model = k.Sequential([k.Input((8, 8, 1)), k.layers.Conv2D(3, 3), k.layers.BatchNormalization(),
                          k.layers.GlobalAveragePooling2D(), k.layers.Dense(2, activation="softmax")])
    _tf.tf().saved_model.save(model, str(tmp_path / "sm"))
    imported = import_model(tmp_path / "sm")  # was: READ_VARIABLE failed to invoke
    assert imported.kind == "savedmodel" and imported.input_shape == (8, 8, 1) and imported.num_outputs == 2
    frame = np.random.default_rng(2).random((1, 8, 8, 1), dtype=np.float32)
    (out,) = litert_invoke(imported.tflite_bytes, [frame])
    np.testing.assert_allclose(out, model(frame).numpy(), atol=1e-5)


def test_a_tf_keras_file_is_loaded_as_it_is(tmp_path):
    from tinyvid.train import build_model

    path = _save(build_model("tiny_cnn", (16, 16, 1), 2, filters=2, blocks=1), tmp_path / "m.keras")
    assert not saved_by_keras3(path)
    assert load_keras(path).count_params() > 0
