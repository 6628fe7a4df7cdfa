"""Turn a Keras model file into float ``.tflite`` bytes so that it can be inspected."""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ModelError

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def keras_to_tflite_bytes(path: str | Path) -> bytes:
    """Convert a ``.keras``/``.h5`` model to a float TFLite flatbuffer (in memory)."""
    from tinyvid import _tf

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}", "check the path")
    try:
        model = _tf.keras().models.load_model(path, compile=False)
    except Exception as exc:
        raise ModelError(f"cannot load the Keras model {path.name}: {exc}", "save it with tf-keras (Keras 2) as .keras or .h5") from exc
    try:
        converter = _tf.tf().lite.TFLiteConverter.from_keras_model(model)
        return bytes(converter.convert())
    except Exception as exc:
        raise ModelError(f"cannot convert {path.name} to TFLite: {exc}", "use layers that TensorFlow Lite supports") from exc
