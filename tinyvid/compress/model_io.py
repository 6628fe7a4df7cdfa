"""Load and save Keras models for the compress stage, with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ModelError


def load_keras_model(path) -> object:
    """Load a Keras model (``.keras``/``.h5`` of tf-keras or Keras 3, or a tf-keras
    SavedModel) with one input and one output, or raise :class:`ModelError`."""
    from tinyvid import _tf
    from tinyvid.train.importer import load_keras

    path = Path(path)
    if not path.exists():
        raise ModelError(f"model file not found: {path}", "give the path of a .keras model (tinyvid train writes runs/train/model.keras)")
    keras = _tf.keras()
    model = load_keras(path)
    if not isinstance(model, keras.Model) or not model.inputs:
        raise ModelError(f"{path} holds no Keras model with a defined input", "save a built Sequential or functional model")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelError(
            f"{path}: compress handles models with one input and one output, this one has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs",
            "export a single-input, single-output classifier",
        )
    return model


def input_shape(model) -> tuple[int, int, int]:
    """(height, width, channels) of an image model, or :class:`ModelError`."""
    shape = model.inputs[0].shape.as_list()
    if len(shape) != 4 or any(d is None for d in shape[1:]):
        raise ModelError(
            f"model input shape {tuple(shape)} is not a fixed image shape (N, H, W, C)",
            "build the model with a fixed input size, e.g. Input((96, 96, 3))",
        )
    return int(shape[1]), int(shape[2]), int(shape[3])


def save_keras_model(model, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".keras":
        model.save(path)
    else:
        model.save(path, include_optimizer=False)
    return path
