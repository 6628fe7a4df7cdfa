"""Load and save Keras models for the compress stage, with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ModelError


def load_keras_model(path) -> object:
    """Load a ``.keras`` / ``.h5`` model (Keras 2) or raise :class:`ModelError`."""
    from tinyvid import _tf

    path = Path(path)
    if not path.exists():
        raise ModelError(f"model file not found: {path}", "give the path of a .keras model (tinyvid train writes runs/train/model.keras)")
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a .keras model", "import a SavedModel first with: tinyvid import PATH")
    if path.suffix not in (".keras", ".h5", ".hdf5"):
        raise ModelError(
            f"{path.name}: compress takes a Keras model (.keras or .h5), not {path.suffix or 'a file without extension'}",
            "a .tflite is already converted and cannot be pruned or re-quantized: compress the Keras model it came from, "
            "or run the .tflite as it is (tinyvid inspect / emit / project)"
            if path.suffix == ".tflite" else "save the model as .keras (or a SavedModel folder, then: tinyvid import PATH)",
        )
    keras = _tf.keras()
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # corrupt zip, wrong format, unknown custom layer
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"cannot read {path} as a Keras model: {first[:200]}",
            "check that the file is a complete .keras/.h5 saved by tf-keras (tinyvid train or tinyvid import)",
        ) from exc
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
