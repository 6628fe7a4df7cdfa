"""``compress``: the whole compress stage in one call, writing its files and report."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from tinyvid.compress import evaluate as ev
from tinyvid.compress.distill import DEFAULT_ALPHA, DEFAULT_TEMPERATURE, resolve_teacher
from tinyvid.compress.finetune import FinetuneOptions, finetune
from tinyvid.compress.data import load_matching_dataset, model_record
from tinyvid.compress.model_io import input_shape, load_keras_model, save_keras_model
from tinyvid.compress.prune import measure_sparsity, prune_unstructured
from tinyvid.compress.quantize import DEFAULT_CALIBRATION_FRAMES, quantize_float_tflite, representative_frames, to_int8_tflite
from tinyvid.compress.report import CompressionReport, Stage
from tinyvid.compress.structured import shrink
from tinyvid.errors import ModelError
from tinyvid.model.convert import keras_to_tflite
from tinyvid.model.reader import load_graph
from tinyvid.model.stats import model_stats
from tinyvid.paths import check_output_dir
from tinyvid.train.fitting import predict

DEFAULT_OUT_DIR = "runs/compress"
DEFAULT_EPOCHS = 15
DEFAULT_LEARNING_RATE = 3e-3  # peak of the cosine schedule; QAT uses a tenth of it
QAT_LEARNING_RATE_FACTOR = 0.1
TFLM_FRAMES = 64


def _tflite_macs_params(flatbuffer: bytes) -> tuple[int, int]:
    stats = model_stats(load_graph(flatbuffer))
    return int(stats.total_macs), int(stats.total_params)


def _float_stage(name, model, x_test, y_test, float_preds, note=""):
    preds = predict(model, x_test)
    flatbuffer = keras_to_tflite(model)
    macs, params = _tflite_macs_params(flatbuffer)
    stage = Stage(
        name=name,
        accuracy=ev.accuracy(preds, y_test),
        params=params,
        macs=macs,
        tflite_bytes=len(flatbuffer),
        sparsity=measure_sparsity(model).sparsity,
        agreement_with_float=ev.agreement(preds, float_preds) if float_preds is not None else 1.0,
        note=note,
    )
    return stage, preds, flatbuffer


def compress(
    model_path,
    dataset=None,
    *,
    fps: float | None = None,
    sparsity: float | None = None,
    structured: float | None = None,
    qat: bool = False,
    teacher=None,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
    out_dir=DEFAULT_OUT_DIR,
    progress: bool = True,
    criterion: str = "l1",
    batch_size: int = 32,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    alpha: float = DEFAULT_ALPHA,
    temperature: float = DEFAULT_TEMPERATURE,
    calibration_frames: int = DEFAULT_CALIBRATION_FRAMES,
    tflm_frames: int = TFLM_FRAMES,
) -> CompressionReport:
    """Compress a model: structured pruning, unstructured pruning, distillation, QAT
    (each optional, in that order, for Keras models), then full-int8 quantization.

    ``model_path`` is a ``.keras``/``.h5`` (tf-keras or Keras 3), a SavedModel folder or
    a float ``.tflite``; SavedModels that are not Keras models and ``.tflite`` files
    have no layers to prune or fine-tune and are quantized only. ``dataset`` is the
    data set the model was trained on (a source name, a folder or a FrameDataset); None
    loads the one the ``model.json`` beside ``model_path`` records, ``fps`` frames per
    second of video.

    Writes into ``out_dir``: ``model_compressed.keras`` (Keras models: the float model
    after pruning/fine-tuning), ``model_float.tflite``, ``model_int8.tflite`` and
    ``report.json``; returns the :class:`CompressionReport`.
    """
    from tinyvid.train.importer import KERAS_SUFFIXES, import_model

    _check_options(sparsity, structured, epochs)
    out_dir = check_output_dir(out_dir)  # a bad output folder: fail before fine-tuning, not after
    record = model_record(model_path)
    if Path(model_path).suffix.lower() in KERAS_SUFFIXES:
        model = load_keras_model(model_path)
    else:
        imported = import_model(model_path)
        if imported.is_int8:
            raise ModelError(f"{model_path} is already a full-int8 .tflite: there is nothing left to compress",
                             f"generate its firmware as it is: tinyvid project {model_path} -o DIR")
        if imported.keras_model is None:
            given = [name for name, value in (("--sparsity", sparsity), ("--structured", structured), ("--qat", qat),
                                              ("--teacher", teacher)) if value]
            if given:
                where = ("prune in PyTorch (torch.nn.utils.prune, made permanent with prune.remove) before exporting"
                         if imported.kind in ("torch", "onnx") else "compress the .keras or .h5 it was made from")
                raise ModelError(f"{model_path} is a {imported.kind} model without Keras layers: {', '.join(given)} "
                                 "needs a Keras model to prune or fine-tune",
                                 f"{where}, or drop those options for int8 post-training quantization only")
            data = load_matching_dataset(_image_shape(imported.input_shape), imported.num_outputs, dataset,
                                         record=record, fps=fps, seed=seed, progress=progress)
            return _compress_tflite(imported, data, out_dir, model_path=model_path, seed=seed, progress=progress,
                                    calibration_frames=calibration_frames, tflm_frames=tflm_frames)
        model = load_keras_model(model_path)
    from tinyvid.compress.detection import compress_detector, is_detector, load_detection_data

    if is_detector(model, record):
        if qat or teacher is not None:
            raise ModelError("--qat and --teacher are not available for detectors yet",
                             "compress the detector with --sparsity / --structured and post-training int8")
        data = load_detection_data(model, dataset, record, seed)
        return compress_detector(model, model_path, data, out_dir, sparsity=sparsity, structured=structured,
                                 epochs=epochs, seed=seed, progress=progress, criterion=criterion,
                                 batch_size=batch_size, learning_rate=learning_rate,
                                 calibration_frames=calibration_frames, tflm_frames=tflm_frames, record=record)
    data = load_matching_dataset(input_shape(model), int(model.outputs[0].shape[-1]), dataset, record=record, fps=fps,
                                 seed=seed, progress=progress)
    train, test = data.train, data.test
    validation = (data.val.x, data.val.y) if len(data.val) else None
    teacher_model = resolve_teacher(teacher, data, seed=seed, epochs=epochs, out_dir=out_dir, progress=progress)
    if isinstance(teacher_model, str):
        teacher_model = load_keras_model(model_path)  # self-distillation from the original
    options = FinetuneOptions(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                              teacher=teacher_model, alpha=alpha, temperature=temperature, progress=progress)
    via = " + distillation" if teacher_model is not None else ""
    report = CompressionReport(
        model=str(model_path),
        dataset=data.name,
        test_frames=len(test),
        options={"sparsity": sparsity, "structured": structured, "qat": qat, "teacher": None if teacher is None else str(teacher),
                 "epochs": epochs, "seed": seed, "criterion": criterion, "batch_size": batch_size,
                 "learning_rate": learning_rate, "calibration_frames": calibration_frames,
                 **({"alpha": alpha, "temperature": temperature} if teacher is not None else {})},
    )
    stage, float_preds, _ = _float_stage("float", model, test.x, test.y, None, "original")
    report.stages.append(stage)

    current = model
    if structured:
        current, changes = shrink(current, structured, criterion)
        finetune(current, train.x, train.y, options, validation=validation, keep_best=True)
        report.structured_layers = changes
        stage, _, _ = _float_stage("structured", current, test.x, test.y, float_preds,
                                   f"{100 * structured:.0f}% channels removed ({criterion}), fine-tuned{via}")
        report.stages.append(stage)
    if sparsity:
        current = prune_unstructured(current, train.x, train.y, sparsity, options)
        stage, _, _ = _float_stage("pruned", current, test.x, test.y, float_preds,
                                   f"{100 * sparsity:.0f}% magnitude pruning, fine-tuned{via}")
        report.stages.append(stage)
    if teacher_model is not None and not structured and not sparsity:
        copy = _copy(current)
        finetune(copy, train.x, train.y, options, validation=validation, keep_best=True)
        current = copy
        stage, _, _ = _float_stage("distilled", current, test.x, test.y, float_preds, f"fine-tuned with teacher {teacher}")
        report.stages.append(stage)
    source_preds = predict(current, test.x)

    calibration = representative_frames(train.x, calibration_frames, seed)
    to_quantize = current
    if qat:
        from tinyvid.compress.qat import quantize_aware

        qat_options = replace(options, learning_rate=options.learning_rate * QAT_LEARNING_RATE_FACTOR)
        to_quantize = quantize_aware(current, train.x, train.y, qat_options, keep_sparsity=bool(sparsity))
    int8 = to_int8_tflite(to_quantize, calibration, progress=progress)
    float_flatbuffer = keras_to_tflite(current)

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "keras": save_keras_model(current, out_dir / "model_compressed.keras"),
        "float_tflite": out_dir / "model_float.tflite",
        "int8_tflite": out_dir / "model_int8.tflite",
        "report": out_dir / "report.json",
    }
    files["float_tflite"].write_bytes(float_flatbuffer)
    files["int8_tflite"].write_bytes(int8)

    int8_out = ev.tflite_outputs(int8, test.x, progress=progress)
    report.stages.append(_int8_stage(int8, int8_out, test.y, float_preds, source_preds, "QAT" if qat else "post-training"))
    _finish(report, int8, test.x[:tflm_frames], files)
    return report


def _image_shape(shape) -> tuple[int, int, int]:
    if len(shape) != 3 or any(int(d) < 1 for d in shape):
        raise ModelError(f"model input shape {tuple(shape)} is not a fixed image shape (H, W, C)",
                         "export the model with a fixed input size, e.g. 96x96x3")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _int8_stage(int8: bytes, int8_out, y, float_preds, source_preds, how: str) -> Stage:
    macs, params = _tflite_macs_params(int8)
    return Stage(
        name="int8",
        accuracy=ev.accuracy(int8_out, y),
        params=params,
        macs=macs,
        tflite_bytes=len(int8),
        sparsity=ev.tflite_weight_sparsity(int8),
        agreement_with_float=ev.agreement(int8_out, float_preds),
        agreement_with_source=ev.agreement(int8_out, source_preds),
        note=f"{how}, full int8, top-1 agrees {100 * ev.agreement(int8_out, source_preds):.1f}% with its float model",
    )


def _finish(report: CompressionReport, int8: bytes, tflm_x, files: dict) -> None:
    report.tflm = ev.tflm_check(int8, tflm_x)
    report.files = {k: str(v) for k, v in files.items()}
    files["report"].write_text(report.to_json() + "\n")


def _compress_tflite(imported, data, out_dir: Path, *, model_path, seed: int, progress: bool,
                     calibration_frames: int, tflm_frames: int) -> CompressionReport:
    """int8 post-training quantization of a float ``.tflite`` (or a SavedModel's)."""
    test = data.test
    flatbuffer = imported.tflite_bytes
    report = CompressionReport(model=str(model_path), dataset=data.name, test_frames=len(test),
                               options={"seed": seed, "calibration_frames": calibration_frames, "kind": imported.kind})
    float_preds = ev.tflite_outputs(flatbuffer, test.x, progress=progress, desc="float eval")
    macs, params = _tflite_macs_params(flatbuffer)
    report.stages.append(Stage(name="float", accuracy=ev.accuracy(float_preds, test.y), params=params, macs=macs,
                               tflite_bytes=len(flatbuffer), sparsity=ev.tflite_weight_sparsity(flatbuffer),
                               agreement_with_float=1.0, note=f"original ({imported.kind}, not prunable)"))
    int8 = quantize_float_tflite(flatbuffer, representative_frames(data.train.x, calibration_frames, seed),
                                 progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"float_tflite": out_dir / "model_float.tflite", "int8_tflite": out_dir / "model_int8.tflite",
             "report": out_dir / "report.json"}
    files["float_tflite"].write_bytes(flatbuffer)
    files["int8_tflite"].write_bytes(int8)
    int8_out = ev.tflite_outputs(int8, test.x, progress=progress)
    report.stages.append(_int8_stage(int8, int8_out, test.y, float_preds, float_preds, "post-training"))
    _finish(report, int8, test.x[:tflm_frames], files)
    return report


def _check_options(sparsity, structured, epochs) -> None:
    if sparsity is not None and not 0.0 < sparsity < 1.0:
        raise ModelError(f"sparsity {sparsity} is outside (0, 1)", "give the fraction of weights to zero, e.g. --sparsity 0.5")
    if structured is not None and not 0.0 <= structured < 1.0:
        raise ModelError(f"structured fraction {structured} is outside [0, 1)", "give the fraction of channels to remove, e.g. --structured 0.5")
    if epochs < 1 and (sparsity or structured):
        raise ModelError("pruning needs at least one fine-tuning epoch", "pass --epochs 1 or more")


def _copy(model):
    from tinyvid import _tf

    copy = _tf.keras().models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy
