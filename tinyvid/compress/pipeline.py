"""``compress``: the whole compress stage in one call, writing its files and report."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from tinyvid.compress import evaluate as ev
from tinyvid.compress.distill import DEFAULT_ALPHA, DEFAULT_TEMPERATURE, resolve_teacher
from tinyvid.compress.finetune import FinetuneOptions, finetune
from tinyvid.compress.model_io import input_shape, load_keras_model, save_keras_model
from tinyvid.compress.prune import measure_sparsity, prune_unstructured
from tinyvid.compress.quantize import DEFAULT_CALIBRATION_FRAMES, representative_frames, to_int8_tflite
from tinyvid.compress.report import CompressionReport, Stage
from tinyvid.compress.structured import shrink
from tinyvid.errors import DataError
from tinyvid.model.convert import keras_to_tflite
from tinyvid.model.reader import load_graph
from tinyvid.model.stats import model_stats
from tinyvid.paths import check_output_dir

DEFAULT_OUT_DIR = "runs/compress"
DEFAULT_EPOCHS = 15
DEFAULT_LEARNING_RATE = 3e-3  # peak of the cosine schedule; QAT uses a tenth of it
QAT_LEARNING_RATE_FACTOR = 0.1
TFLM_FRAMES = 64


def load_matching_dataset(model, source, *, seed: int = 0, progress: bool = False):
    """Load ``source`` at the model's input size and channels (or check a loaded data set)."""
    h, w, c = input_shape(model)
    if isinstance(source, (str, Path)):
        from tinyvid.data import load_dataset

        if c not in (1, 3):
            raise DataError(f"the model takes {c}-channel frames; tinyvid data sets are grey (1) or RGB (3)",
                            "compress a model with 1 or 3 input channels")
        dataset = load_dataset(str(source), image_size=(h, w), channels=c, seed=seed, progress=progress)
    else:
        dataset = source
    if tuple(dataset.input_shape) != (h, w, c):
        raise DataError(
            f"the data set frames are {tuple(dataset.input_shape)} but the model takes {(h, w, c)}",
            "load the data set with the model's image size and channels",
        )
    classes = int(model.outputs[0].shape[-1])
    if classes != dataset.num_classes:
        raise DataError(
            f"the model has {classes} outputs but the data set has {dataset.num_classes} classes ({', '.join(dataset.class_names)})",
            "compress with the data set the model was trained on (--data)",
        )
    if len(dataset.train) == 0 or len(dataset.test) == 0:
        raise DataError("the data set has an empty train or test split", "use a data set with more clips")
    return dataset


def _tflite_macs_params(flatbuffer: bytes) -> tuple[int, int]:
    stats = model_stats(load_graph(flatbuffer))
    return int(stats.total_macs), int(stats.total_params)


def _float_stage(name, model, x_test, y_test, float_preds, note=""):
    preds = ev.keras_predictions(model, x_test)
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
    dataset="synthetic",
    *,
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
    """Compress a Keras model: structured pruning, unstructured pruning, distillation,
    QAT (each optional, in that order), then full-int8 quantization.

    Writes into ``out_dir``: ``model_compressed.keras`` (the float model after
    pruning/fine-tuning), ``model_float.tflite``, ``model_int8.tflite`` and
    ``report.json``; returns the :class:`CompressionReport`.
    """
    _check_options(sparsity, structured, epochs)
    out_dir = check_output_dir(out_dir)  # a bad output folder: fail before fine-tuning, not after
    model = load_keras_model(model_path)
    data = load_matching_dataset(model, dataset, seed=seed, progress=progress)
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
    source_preds = ev.keras_predictions(current, test.x)

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

    int8_out = ev.int8_outputs(int8, test.x, progress=progress)
    macs, params = _tflite_macs_params(int8)
    report.stages.append(
        Stage(
            name="int8",
            accuracy=ev.accuracy(int8_out, test.y),
            params=params,
            macs=macs,
            tflite_bytes=len(int8),
            sparsity=ev.tflite_weight_sparsity(int8),
            agreement_with_float=ev.agreement(int8_out, float_preds),
            agreement_with_source=ev.agreement(int8_out, source_preds),
            note=("QAT" if qat else "post-training") + f", full int8, top-1 agrees {100 * ev.agreement(int8_out, source_preds):.1f}% with its float model",
        )
    )
    n = min(tflm_frames, len(test))
    report.tflm = ev.tflm_check(int8, test.x[:n])
    report.files = {k: str(v) for k, v in files.items()}
    files["report"].write_text(report.to_json() + "\n")
    return report


def _check_options(sparsity, structured, epochs) -> None:
    from tinyvid.errors import ModelError

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
