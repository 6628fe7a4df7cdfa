"""Models saved by Keras 3, rebuilt as tf-keras (Keras 2) models.

tinyvid trains, prunes and quantizes with tf-keras, because
tensorflow-model-optimization works with Keras 2 only. A ``.keras`` or ``.h5`` saved
by Keras 3 (the ``keras`` package, or ``tf.keras`` in TensorFlow 2.16 and later) is
loaded with Keras 3 and rebuilt in tf-keras: every layer from its configuration
(the few keys Keras 3 spells differently translated), the graph replayed node by
node, the weights copied. The copy must then give the same outputs as the original
on random frames, or the import is refused: a model is never silently changed.
"""

from __future__ import annotations

import inspect
import json
import zipfile
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelError

#: config keys every tf-keras layer accepts beside its own arguments
_BASE_KEYS = {"name", "trainable", "dtype", "activity_regularizer"}
#: Keras 3 merge operations (``x + y`` in a functional model) and their tf-keras layers
_OPERATIONS = {"Add": "Add", "Subtract": "Subtract", "Multiply": "Multiply"}
_HINT = ("build it from built-in keras.layers (no Lambda or custom layers), or save it with tf-keras "
         "(import tf_keras; model.save('model.keras'))")
#: largest output difference accepted between the Keras 3 model and its tf-keras copy
_TOLERANCE = 1e-4


def keras_version(path) -> str | None:
    """The Keras version that saved a ``.keras`` zip or an ``.h5`` file, if recorded."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                return str(json.loads(z.read("metadata.json")).get("keras_version"))
        import h5py

        with h5py.File(path, "r") as f:
            version = f.attrs.get("keras_version")
            return version.decode() if isinstance(version, bytes) else (str(version) if version else None)
    except (OSError, KeyError, ValueError):
        return None


def saved_by_keras3(path) -> bool:
    version = keras_version(path)
    return bool(version) and version.split(".")[0] == "3"


def load_as_tf_keras(path):
    """Load a Keras 3 model file and return its tf-keras copy (or raise ModelError)."""
    from tinyvid import _tf

    _tf.tf()
    import keras as keras3

    try:
        with _tf.quiet_native_stderr():
            original = keras3.saving.load_model(str(path), compile=False)
    except Exception as exc:  # noqa: BLE001 - any failure means: Keras 3 cannot read it
        raise ModelError(f"cannot load Keras 3 model {Path(path).name}: {_first_line(exc)}",
                         "the file is corrupt, or holds custom layers; " + _HINT) from exc
    return to_tf_keras(original)


def to_tf_keras(original):
    """The tf-keras copy of a built Keras 3 model (Sequential or functional)."""
    import keras as keras3

    try:
        inputs = original.inputs if isinstance(original, keras3.Model) else None
    except (AttributeError, ValueError):  # a Sequential model that was never built
        inputs = None
    if not inputs:
        raise ModelError("the Keras 3 file holds no built model with a defined input",
                         "save a Sequential or functional model built with keras.Input(...)")
    copy = _rebuild(original)
    _check_same_outputs(original, copy)
    return copy


def _rebuild(model):
    """Replay ``model``'s graph with tf-keras layers, then copy every layer's weights."""
    import keras as keras3

    from tinyvid import _tf

    k = _tf.keras()
    pairs: list[tuple[object, object]] = []  # (Keras 3 layer, its tf-keras copy)
    inputs = [k.Input(shape=tuple(t.shape[1:]), dtype=str(t.dtype), name=_input_name(t, i))
              for i, t in enumerate(model.inputs)]
    if isinstance(model, keras3.Sequential):
        x = inputs[0]
        for layer in model.layers:
            x = _layer(layer, pairs)(x)
        outputs = [x]
    else:
        made: dict[int, object] = {}

        def operation(op):
            if id(op) not in made:
                made[id(op)] = _layer(op, pairs)
            return made[id(op)]

        outputs = model._run_through_graph(inputs, operation_fn=operation)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    copy = k.Model(inputs[0] if len(inputs) == 1 else inputs,
                   outputs[0] if len(outputs) == 1 else list(outputs), name=model.name)
    for old, new in pairs:
        try:
            new.set_weights(old.get_weights())
        except ValueError as exc:
            raise ModelError(f"the weights of layer '{old.name}' ({type(old).__name__}) do not fit its tf-keras copy: "
                             f"{_first_line(exc)}", _HINT) from exc
    return copy


def _input_name(tensor, index: int) -> str:
    history = getattr(tensor, "_keras_history", None)
    layer = history[0] if history else None
    return getattr(layer, "name", None) or f"input_{index}"


def _layer(op, pairs: list):
    """The tf-keras layer for one Keras 3 layer or operation (its weights are copied
    once the graph is built: ``pairs`` collects the layers that have weights)."""
    import keras as keras3

    from tinyvid import _tf

    k = _tf.keras()
    kind = type(op).__name__
    if isinstance(op, keras3.Model):
        return _rebuild(op)  # a nested model becomes a nested tf-keras model
    if not isinstance(op, keras3.layers.Layer):
        if kind in _OPERATIONS:
            return _Merge(getattr(k.layers, _OPERATIONS[kind])(name=op.name))
        raise ModelError(f"the Keras 3 model uses the operation '{op.name}' ({kind}), which tinyvid cannot rebuild in tf-keras",
                         "write it as a layer (keras.layers.Add, Multiply, ...); " + _HINT)
    cls = getattr(k.layers, kind, None)
    if cls is None or kind == "Lambda":
        raise ModelError(f"layer '{op.name}' of the Keras 3 model is a {kind}, which has no tf-keras equivalent",
                         _HINT)
    layer = cls.from_config(_config(op, cls))
    if op.weights:
        pairs.append((op, layer))
    return layer


class _Merge:
    """Calls a tf-keras merge layer with the two operands of a Keras 3 operation."""

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, a, b):
        return self.layer([a, b])


def _config(op, cls) -> dict:
    """``op``'s Keras 3 config in the form tf-keras' ``cls.from_config`` takes."""
    from tinyvid import _tf

    k = _tf.keras()
    accepted = set(_BASE_KEYS)
    for base in cls.__mro__:  # a layer passes some arguments on to its base class
        if "__init__" in vars(base):
            accepted |= set(inspect.signature(base.__init__).parameters)
    config = {}
    for key, value in op.get_config().items():
        if key == "dtype":
            value = _dtype_name(value)
        elif key.endswith("_initializer"):
            continue  # the weights come from the file
        elif key.endswith(("_regularizer", "_constraint")) and isinstance(value, dict):
            module = k.regularizers if key.endswith("_regularizer") else k.constraints
            try:
                value = module.get({"class_name": value["class_name"], "config": value.get("config", {})})
            except (ValueError, TypeError, KeyError) as exc:
                raise ModelError(f"layer '{op.name}': {key} {value.get('class_name')} has no tf-keras equivalent",
                                 _HINT) from exc
        elif isinstance(value, dict) and "class_name" in value:
            raise ModelError(f"layer '{op.name}' ({type(op).__name__}) has a custom {key} ({value['class_name']})", _HINT)
        if key not in accepted:
            if value in (None, False, 0, {}, []):
                continue  # a Keras 3 option left at its default
            raise ModelError(f"layer '{op.name}' ({type(op).__name__}) sets {key}={value!r}, a Keras 3 option tf-keras does not have",
                             _HINT)
        config[key] = value
    return config


def _dtype_name(value) -> str | None:
    if isinstance(value, dict):
        return value.get("config", {}).get("name")
    return getattr(value, "name", value)


def _check_same_outputs(original, copy) -> None:
    rng = np.random.default_rng(0)
    frames = [rng.random((2, *tuple(t.shape[1:])), dtype=np.float32) for t in original.inputs]
    feed = frames[0] if len(frames) == 1 else frames
    want = [np.asarray(v) for v in _as_list(original(feed, training=False))]
    got = [np.asarray(v) for v in _as_list(copy(feed, training=False))]
    worst = max(float(np.max(np.abs(a - b) / (1.0 + np.abs(a)))) for a, b in zip(want, got))
    if not worst <= _TOLERANCE:
        raise ModelError(f"the tf-keras copy of the Keras 3 model gives other outputs (relative difference {worst:.3g})",
                         _HINT)


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
