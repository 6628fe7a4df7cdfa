"""Import a model trained elsewhere: ``.keras``/``.h5``, a SavedModel folder, ``.tflite``,
a PyTorch ``torch.export`` program (``.pt2``) or ``nn.Module``, ``.onnx``."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.model.convert import first_line
from tinyvid.train.keras3 import saved_by_keras3
from tinyvid.paths import check_output_dir

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
TFLITE_SUFFIXES = (".tflite",)
PT2_SUFFIXES = (".pt2",)
TORCH_CHECKPOINT_SUFFIXES = (".pt", ".pth")
ONNX_SUFFIXES = (".onnx",)
KINDS = ("keras", "savedmodel", "tflite-float", "tflite-int8", "torch", "onnx")
_HINT_FORMATS = ("tinyvid reads .keras, .h5, a SavedModel folder (with saved_model.pb), .tflite, "
                 ".pt2 (torch.export.save) and .onnx")


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
    if suffix in PT2_SUFFIXES:
        from tinyvid.model.torch_import import exported_program_to_tflite

        return _converted(exported_program_to_tflite(p), p, "torch")
    if suffix in TORCH_CHECKPOINT_SUFFIXES:
        raise ModelError(f"{p.name} is a PyTorch checkpoint (torch.save): weights or a pickled module, not a graph "
                         "tinyvid can convert",
                         "export the model as a program: torch.export.save(torch.export.export(model.eval(), "
                         "(torch.zeros(1, C, H, W),)), 'model.pt2'), then tinyvid import model.pt2")
    if suffix in ONNX_SUFFIXES:
        from tinyvid.model.onnx_import import onnx_to_tflite

        return _converted(onnx_to_tflite(p, progress=True), p, "onnx")
    raise ModelError(f"cannot read model {p.name}: unknown format '{suffix or p.name}'", _HINT_FORMATS)


# --------------------------------------------------------------------------- keras


def load_keras(path):
    """The one Keras loader: a ``.keras``/``.h5`` saved by tf-keras (Keras 2) or by Keras 3
    (rebuilt as tf-keras, see :mod:`tinyvid.train.keras3`), or a tf-keras SavedModel
    folder; also a model holding tensorflow-model-optimization wrappers. Returns a
    tf-keras model or raises :class:`ModelError`."""
    from tinyvid import _tf
    from tinyvid.train.keras3 import load_as_tf_keras

    p = Path(path)
    if p.is_file() and saved_by_keras3(p):
        return load_as_tf_keras(p)  # Keras 3 files are saved again as tf-keras by import_to
    k = _tf.keras()
    try:
        with _tf.quiet_native_stderr():
            return k.models.load_model(str(p), compile=False)
    except Exception as first:  # noqa: BLE001 - any failure means: tf-keras alone cannot read it
        error = first
    if "Unknown layer" in str(error):  # perhaps pruning or quantization wrappers of tfmot
        t = _tf.tfmot()
        try:
            with _tf.quiet_native_stderr(), t.quantization.keras.quantize_scope(), t.sparsity.keras.prune_scope():
                return k.models.load_model(str(p), compile=False)
        except Exception:  # noqa: BLE001 - report the first error, about the model itself
            pass
    raise ModelError(f"cannot load Keras model {p.name}: {first_line(error)[:200]}",
                     "the file is corrupt, incomplete or holds custom layers: save a model built from keras.layers "
                     "with model.save('model.keras')") from error


def _keras_info(model, path: Path, kind: str) -> ImportedModel:
    from tinyvid.model.convert import deployed_size

    if isinstance(model.inputs, list) and len(model.inputs) != 1:
        raise ModelError(f"model {path} has {len(model.inputs)} inputs; tinyvid handles one image input",
                         "export a model with a single image input")
    in_shape = tuple(int(d) if d is not None else -1 for d in model.input_shape[1:])
    out_shape = model.output_shape
    if isinstance(out_shape, list):
        out_shape = out_shape[0]
    params, macs = deployed_size(model)
    return ImportedModel(path=path, kind=kind, input_shape=in_shape, num_outputs=int(out_shape[-1]),
                         input_dtype=str(model.inputs[0].dtype.name), keras_model=model,
                         details={"parameters": params, "macs": macs})


def _import_keras(path: Path) -> ImportedModel:
    return _keras_info(load_keras(path), path, "keras")


def _import_savedmodel(path: Path) -> ImportedModel:
    """A SavedModel: its tf-keras model when Keras wrote it (``keras_metadata.pb``),
    else its serving signature converted to a float ``.tflite`` (variables frozen)."""
    if (path / "keras_metadata.pb").is_file():
        try:
            return _keras_info(load_keras(path), path, "savedmodel")
        except ModelError:
            pass  # Keras cannot restore its layers: convert the graph below
    model = from_tflite_bytes(savedmodel_to_tflite(path), path)
    model.kind = "savedmodel"
    model.details["converted_to"] = "tflite-float"
    return model


def savedmodel_to_tflite(path) -> bytes:
    """The float ``.tflite`` of a SavedModel's serving signature (``serving_default``, else
    its only one). Converting the concrete function freezes the variables, so a folder
    written by ``tf.saved_model.save`` needs no variable ops at run time."""
    from tinyvid import _tf
    from tinyvid.model.convert import run_converter

    t = _tf.tf()
    hint = "export it with one serving signature taking one image: tf.saved_model.save(model, DIR) or model.export(DIR)"
    try:
        with _tf.quiet_native_stderr():
            loaded = t.saved_model.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot load SavedModel {path}: {first_line(exc)[:200]}", hint) from exc
    signatures = dict(loaded.signatures)
    if not signatures:
        raise ModelError(f"SavedModel {path} has no serving signature", hint)
    function = signatures.get("serving_default") or signatures[sorted(signatures)[0]]
    try:
        return run_converter(t.lite.TFLiteConverter.from_concrete_functions([function], loaded).convert)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot convert SavedModel {path} to TFLite: {first_line(exc)[:200]}", hint) from exc


def _converted(flatbuffer: bytes, path, kind: str) -> ImportedModel:
    """A PyTorch or ONNX model converted to a float ``.tflite``: quantized like any other."""
    from tinyvid.model.reader import load_graph
    from tinyvid.model.stats import model_stats

    model = from_tflite_bytes(flatbuffer, path)
    model.kind = kind
    stats = model_stats(load_graph(flatbuffer))
    model.details.update(converted_to="tflite-float", parameters=int(stats.total_params), macs=int(stats.total_macs))
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
        from tinyvid.model.reference import litert_interpreter

        interp = litert_interpreter(data, kernels="builtin")
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
    (TFLite, SavedModels that Keras cannot restore, PyTorch and ONNX models converted to a
    float ``.tflite``), plus ``model.json``."""
    check_output_dir(out_dir)
    return _write_import(import_model(path), Path(path), out_dir)


def import_torch(module, example_input, out_dir) -> tuple[ImportedModel, dict]:
    """Import a PyTorch ``nn.Module`` into ``out_dir`` (``model.tflite`` and ``model.json``),
    converted by litert-torch for one NCHW ``example_input`` such as
    ``torch.zeros(1, 3, 96, 96)``; the ``.tflite`` takes the image NHWC. Pruning made
    permanent (``prune.remove``) stays as zero weights. Needs ``tinyvid[torch]``."""
    from tinyvid.model.torch_import import module_to_tflite

    check_output_dir(out_dir)
    model = _converted(module_to_tflite(module, example_input), f"<{type(module).__name__}>", "torch")
    return _write_import(model, None, out_dir)


def _write_import(model: ImportedModel, src: Path | None, out_dir) -> tuple[ImportedModel, dict]:
    from tinyvid import __version__

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if model.keras_model is not None:
        target = out / "model.keras"
        if src.suffix.lower() == ".keras" and src.resolve() != target.resolve() and not saved_by_keras3(src):
            shutil.copyfile(src, target)
        elif src.resolve() != target.resolve():
            model.keras_model.save(target)
    else:
        target = out / "model.tflite"
        target.write_bytes(model.tflite_bytes)
    digest = hashlib.sha256(src.read_bytes()).hexdigest() if src is not None and src.is_file() else None
    record = {
        "tinyvid_version": __version__,
        "kind": "imported",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model_file": target.name,
        "source": {"path": str(src.resolve()) if src is not None else str(model.path), "sha256": digest},
        "model": model.describe(),
        "input_shape": list(model.input_shape),
        "num_classes": model.num_outputs,
    }
    (out / "model.json").write_text(json.dumps(record, indent=2) + "\n")
    return model, record
