"""The compress stage for heat-map detectors: the same steps as for classifiers
(structured pruning, unstructured pruning, int8 quantization), fine-tuned with the
detector's weighted cell loss, and every stage scored by centroid precision, recall,
F1 and count error on the held-out test split (:mod:`tinyvid.detect`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyvid.compress import evaluate as ev
from tinyvid.compress.finetune import FinetuneOptions, finetune
from tinyvid.compress.model_io import input_shape, save_keras_model
from tinyvid.compress.prune import measure_sparsity, prune_unstructured
from tinyvid.compress.quantize import representative_frames, to_int8_tflite
from tinyvid.compress.report import CompressionReport, Stage
from tinyvid.compress.structured import shrink
from tinyvid.errors import DataError
from tinyvid.model.convert import keras_to_tflite


def is_detector(model, record: dict | None) -> bool:
    """A model whose output is a per-cell heat map, or that train recorded as a detector."""
    from tinyvid.detect.evaluate import is_heatmap

    if (record or {}).get("task") == "detection":
        return True
    return is_heatmap(model.outputs[0].shape.as_list()[1:])


def load_detection_data(model, source, record: dict | None, seed: int):
    """The object data set the detector was trained on (``source`` or its model.json's)."""
    from tinyvid.data.objects import ObjectDataset, load_objects

    if isinstance(source, ObjectDataset):
        data = source
    else:
        recorded = (record or {}).get("data") or {}
        details = recorded.get("details", {})
        if source is None:
            source = recorded.get("source") or "synthetic"
            seed = int(details.get("seed", seed))
        h, w, c = input_shape(model)
        frames = details.get("frames") if str(source) == "synthetic" else None
        data = load_objects(str(source), image_size=(h, w), channels=c, seed=seed, frames=frames)
    classes = int(model.outputs[0].shape[-1])
    if data.num_classes != classes:
        raise DataError(f"the detector has {classes} classes per cell but the data set {data.num_classes} "
                        f"({', '.join(data.class_names)})", "compress with the data set the detector was trained on")
    if tuple(data.input_shape) != tuple(input_shape(model)):
        raise DataError(f"the data set frames are {data.input_shape} but the model takes {input_shape(model)}",
                        "load the data set at the model's input size")
    return data


def _score(maps, data, threshold: float, quantization=None) -> dict:
    from tinyvid.detect.evaluate import score_heatmaps

    return {**score_heatmaps(maps, data.test.objects, data.image_size, threshold=threshold,
                             quantization=quantization).to_dict(), "threshold": threshold}


def _float_stage(name, model, data, note, threshold: float) -> Stage:
    from tinyvid.compress.pipeline import _tflite_macs_params
    from tinyvid.detect.training import predict_heatmaps

    score = _score(predict_heatmaps(model, data.test.x), data, threshold)
    flatbuffer = keras_to_tflite(model)
    macs, params = _tflite_macs_params(flatbuffer)
    return Stage(name=name, accuracy=score["f1"], params=params, macs=macs, tflite_bytes=len(flatbuffer),
                 sparsity=measure_sparsity(model).sparsity, note=note, detection=score)


def compress_detector(model, model_path, data, out_dir: Path, *, sparsity=None, structured=None, epochs: int = 15,
                      seed: int = 0, progress: bool = True, criterion: str = "l1", batch_size: int = 32,
                      learning_rate: float = 3e-3, calibration_frames: int = 300, tflm_frames: int = 64,
                      object_weight: float | None = None, record: dict | None = None) -> CompressionReport:
    from tinyvid.compress.pipeline import _finish, _tflite_macs_params
    from tinyvid.detect.decode import DEFAULT_THRESHOLD
    from tinyvid.detect.targets import cell_targets
    from tinyvid.detect.training import DEFAULT_OBJECT_WEIGHT, output_grid, weighted_cell_loss
    from tinyvid.model.reader import load_graph

    settings = (record or {}).get("detection") or {}
    weight = object_weight or settings.get("object_weight") or DEFAULT_OBJECT_WEIGHT
    threshold = float(settings.get("threshold", DEFAULT_THRESHOLD))  # the one training chose on validation
    grid = output_grid(model)
    y_train = cell_targets(data.train.objects, grid, data.image_size)
    y_val = cell_targets(data.val.objects, grid, data.image_size)
    # no flips or shifts: the cell targets would not follow them
    options = FinetuneOptions(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                              augment=False, progress=progress, loss=weighted_cell_loss(weight))
    validation = (data.val.x, y_val) if len(data.val) else None
    report = CompressionReport(model=str(model_path), dataset=data.name, test_frames=len(data.test),
                               options={"task": "detection", "sparsity": sparsity, "structured": structured,
                                        "epochs": epochs, "seed": seed, "criterion": criterion,
                                        "batch_size": batch_size, "learning_rate": learning_rate,
                                        "object_weight": weight, "threshold": threshold,
                                        "calibration_frames": calibration_frames})
    report.stages.append(_float_stage("float", model, data, "original", threshold))
    current = model
    if structured:
        current, changes = shrink(current, structured, criterion)
        finetune(current, data.train.x, y_train, options, validation=validation, keep_best=False)
        report.structured_layers = changes
        report.stages.append(_float_stage("structured", current, data,
                                          f"{100 * structured:.0f}% channels removed ({criterion}), fine-tuned",
                                          threshold))
    if sparsity:
        current = prune_unstructured(current, data.train.x, y_train, sparsity, options)
        report.stages.append(_float_stage("pruned", current, data, f"{100 * sparsity:.0f}% magnitude pruning, fine-tuned",
                                          threshold))
    int8 = to_int8_tflite(current, representative_frames(data.train.x, calibration_frames, seed), progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"keras": save_keras_model(current, out_dir / "model_compressed.keras"),
             "float_tflite": out_dir / "model_float.tflite", "int8_tflite": out_dir / "model_int8.tflite",
             "report": out_dir / "report.json"}
    files["float_tflite"].write_bytes(keras_to_tflite(current))
    files["int8_tflite"].write_bytes(int8)
    graph = load_graph(int8)
    q = graph.tensors[graph.outputs[0]].quantization
    maps = ev.tflite_outputs(int8, data.test.x, progress=progress)
    score = _score(maps, data, threshold, (q.scale, q.zero_point))
    macs, params = _tflite_macs_params(int8)
    report.stages.append(Stage(name="int8", accuracy=score["f1"], params=params, macs=macs, tflite_bytes=len(int8),
                               sparsity=ev.tflite_weight_sparsity(int8), note="post-training, full int8",
                               detection=score))
    _finish(report, int8, data.test.x[:tflm_frames], files)
    return report
