"""Import a model trained elsewhere: ``.keras``/``.h5``, a SavedModel folder, ``.tflite``."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.paths import check_output_dir

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
TFLITE_SUFFIXES = (".tflite",)
KINDS = ("keras", "savedmodel", "tflite-float", "tflite-int8")
_HINT_FORMATS = "tinyvid reads .keras, .h5, a SavedModel folder (with saved_model.pb) and .tflite"


@dataclass
class ImportedModel:
    """A model tinyvid can work with.

    ``kind`` is one of :data:`KINDS`; ``keras_model`` is set for Keras models (and for
    SavedModels written by Keras), ``tflite_bytes`` for ``.tflite`` files and for
    SavedModels converted to a float ``.tflite``.
    """

    path: Path
    kind: str
    input_shape: tuple[int, ...]
    num_outputs: int
    input_dtype: str
    keras_model: object | None = None
    tflite_bytes: bytes | None = None
    details: dict = field(default_factory=dict)

    @property
    def is_int8(self) -> bool:
        return self.kind == "tflite-int8"

    def describe(self) -> dict:
        return {"source": str(self.path), "kind": self.kind, "input_shape": list(self.input_shape),
                "input_dtype": self.input_dtype, "num_outputs": self.num_outputs, **self.details}


def import_model(path) -> ImportedModel:
    """Read and check a model file or SavedModel folder; raise ModelError if tinyvid cannot."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ModelError(f"model {p} does not exist", "check the path; " + _HINT_FORMATS)
    if p.is_dir():
        if not (p / "saved_model.pb").is_file() and not (p / "saved_model.pbtxt").is_file():
            raise ModelError(f"folder {p} is not a SavedModel (no saved_model.pb)",
                             "pass the SavedModel folder itself, or a .keras/.h5/.tflite file")
        return _import_savedmodel(p)
    suffix = p.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        return _import_keras(p)
    if suffix in TFLITE_SUFFIXES:
        return from_tflite_bytes(p.read_bytes(), p)
    raise ModelError(f"cannot read model {p.name}: unknown format '{suffix or p.name}'", _HINT_FORMATS)


# --------------------------------------------------------------------------- keras


def load_keras(path):
    """Load a Keras model (also one holding tfmot pruning/quantization wrappers)."""
    from tinyvid._tf import keras

    k = keras()
    try:
        return k.models.load_model(str(path), compile=False)
    except Exception as first:  # noqa: BLE001 - any failure means: not a readable model
        try:
            from tinyvid._tf import tfmot

            t = tfmot()
            with t.quantization.keras.quantize_scope(), t.sparsity.keras.prune_scope():
                return k.models.load_model(str(path), compile=False)
        except Exception:  # noqa: BLE001
            pass
        reason = str(first).strip().splitlines()[0][:160] if str(first).strip() else type(first).__name__
        raise ModelError(f"cannot load Keras model {path}: {reason}",
                         "the file is corrupt or not a Keras model; re-save it with model.save('model.keras')") from first


def _keras_info(model, path: Path, kind: str) -> ImportedModel:
    from tinyvid.train.macs import keras_macs

    if isinstance(model.inputs, list) and len(model.inputs) != 1:
        raise ModelError(f"model {path} has {len(model.inputs)} inputs; tinyvid handles one image input",
                         "export a model with a single image input")
    in_shape = tuple(int(d) if d is not None else -1 for d in model.input_shape[1:])
    out_shape = model.output_shape
    if isinstance(out_shape, list):
        out_shape = out_shape[0]
    return ImportedModel(path=path, kind=kind, input_shape=in_shape, num_outputs=int(out_shape[-1]),
                         input_dtype=str(model.inputs[0].dtype.name), keras_model=model,
                         details={"parameters": int(model.count_params()), "macs": keras_macs(model)})


def _import_keras(path: Path) -> ImportedModel:
    return _keras_info(load_keras(path), path, "keras")


def _import_savedmodel(path: Path) -> ImportedModel:
    from tinyvid._tf import keras, tf

    if (path / "keras_metadata.pb").is_file():
        try:
            return _keras_info(keras().models.load_model(str(path), compile=False), path, "savedmodel")
        except Exception:  # noqa: BLE001 - fall back to the TFLite converter
            pass
    t = tf()
    try:
        converter = t.lite.TFLiteConverter.from_saved_model(str(path))
        data = converter.convert()
    except Exception as exc:  # noqa: BLE001
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot convert SavedModel {path} to TFLite: {reason}",
                         "export it with a serving signature of one image input (tf.saved_model.save(model, DIR))") from exc
    model = from_tflite_bytes(bytes(data), path)
    model.kind = "savedmodel"
    model.details["converted_to"] = "tflite-float"
    return model


# --------------------------------------------------------------------------- tflite


def from_tflite_bytes(data: bytes, path: Path | str = "<bytes>") -> ImportedModel:
    """Check that ``data`` is a TFLite flatbuffer that parses and runs; float or int8."""
    path = Path(path)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{path} is not a TFLite model (no TFL3 identifier)",
                         "the file is corrupt or truncated; re-export it with tf.lite.TFLiteConverter")
    try:
        import tflite

        m = tflite.Model.GetRootAsModel(data, 0)
        if m.SubgraphsLength() < 1:
            raise ValueError("no subgraph")
        m.Subgraphs(0).TensorsLength()
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"{path} is a corrupt TFLite model ({exc})",
                         "re-export it with tf.lite.TFLiteConverter") from exc
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        interp = Interpreter(model_content=data,
                             experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interp.allocate_tensors()
        inputs, outputs = interp.get_input_details(), interp.get_output_details()
        for d in inputs:
            interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
        interp.invoke()
    except Exception as exc:  # noqa: BLE001
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path} does not run in the TFLite interpreter: {reason}",
                         "the file is corrupt or uses custom operators; re-export it with builtin ops only") from exc
    if len(inputs) != 1:
        raise ModelError(f"{path} has {len(inputs)} inputs; tinyvid handles one image input",
                         "export a model with a single image input")
    inp, out = inputs[0], outputs[0]
    in_dtype = np.dtype(inp["dtype"]).name
    kind = "tflite-int8" if in_dtype in ("int8", "uint8") else "tflite-float"
    scale, zero = inp.get("quantization", (0.0, 0))
    out_scale, out_zero = out.get("quantization", (0.0, 0))
    dtypes: dict[str, int] = {}
    for t in interp.get_tensor_details():
        name = np.dtype(t["dtype"]).name
        dtypes[name] = dtypes.get(name, 0) + 1
    details = {
        "tflite_bytes": len(data),
        "output_dtype": np.dtype(out["dtype"]).name,
        "input_quantization": {"scale": float(scale), "zero_point": int(zero)},
        "output_quantization": {"scale": float(out_scale), "zero_point": int(out_zero)},
        "tensor_dtypes": dtypes,
    }
    return ImportedModel(path=path, kind=kind, input_shape=tuple(int(v) for v in inp["shape"][1:]),
                         num_outputs=int(out["shape"][-1]), input_dtype=in_dtype, tflite_bytes=data, details=details)


# --------------------------------------------------------------------------- import into a run folder


def import_to(path, out_dir) -> tuple[ImportedModel, dict]:
    """Import ``path`` into ``out_dir``: ``model.keras`` (Keras models) or ``model.tflite``
    (TFLite, and SavedModels that Keras cannot restore), plus ``model.json``."""
    from tinyvid import __version__

    check_output_dir(out_dir)
    model = import_model(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    src = Path(path)
    if model.keras_model is not None:
        target = out / "model.keras"
        if src.suffix.lower() == ".keras" and src.resolve() != target.resolve():
            shutil.copyfile(src, target)
        elif src.resolve() != target.resolve():
            model.keras_model.save(target)
    else:
        target = out / "model.tflite"
        target.write_bytes(model.tflite_bytes)
    digest = hashlib.sha256(src.read_bytes()).hexdigest() if src.is_file() else None
    record = {
        "tinyvid_version": __version__,
        "kind": "imported",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model_file": target.name,
        "source": {"path": str(src.resolve()), "sha256": digest},
        "model": model.describe(),
        "input_shape": list(model.input_shape),
        "num_classes": model.num_outputs,
    }
    (out / "model.json").write_text(json.dumps(record, indent=2) + "\n")
    return model, record
