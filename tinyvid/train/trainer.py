"""``train``: build a built-in architecture, fit it, evaluate it, save model + record."""

from __future__ import annotations

import datetime as _dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

from tinyvid.data.dataset import FrameDataset
from tinyvid.errors import ModelError
from tinyvid.paths import check_output_dir
from tinyvid.train.architectures import DEFAULT_ARCH, DETECTORS, architecture_params, build_model, check_params
from tinyvid.train.fitting import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_LEARNING_RATE,
    DEFAULT_PATIENCE,
    evaluate,
    fit,
)
from tinyvid.model.convert import deployed_size

DEFAULT_OUT_DIR = "runs/train"
MODEL_FILE = "model.keras"
RECORD_FILE = "model.json"


@dataclass
class TrainResult:
    """A trained model, where it was saved and the record written beside it."""

    model: object
    dataset: FrameDataset
    record: dict
    out_dir: Path
    model_path: Path
    record_path: Path

    @property
    def metrics(self) -> dict:
        return self.record["metrics"]


def train(
    dataset: FrameDataset | str = "synthetic",
    arch: str = DEFAULT_ARCH,
    *,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    patience: int = DEFAULT_PATIENCE,
    augment: bool = True,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    progress: bool = True,
    data_options: dict | None = None,
    **arch_params,
) -> TrainResult:
    """Train ``arch`` on ``dataset`` (a FrameDataset, or a source name/path loaded with
    ``load_dataset(dataset, seed=seed, **data_options)``) and save
    ``<out_dir>/model.keras`` and ``<out_dir>/model.json``."""
    from tinyvid import __version__
    from tinyvid._tf import set_seed

    if epochs < 1:
        raise ModelError(f"epochs must be at least 1, not {epochs}", "use e.g. --epochs 40")
    if batch_size < 1:
        raise ModelError(f"batch size must be at least 1, not {batch_size}", "use e.g. --batch-size 32")
    check_params(arch, arch_params)  # unknown architecture or parameter: fail before loading data
    if arch in DETECTORS:  # a heat map per cell, trained from object positions
        from tinyvid.detect.training import train_detector

        return train_detector(dataset, arch, epochs=epochs, batch_size=batch_size, seed=seed,
                              learning_rate=learning_rate, patience=patience, augment=augment, out_dir=out_dir,
                              progress=progress, data_options=data_options, **arch_params)
    check_output_dir(out_dir)  # a bad output folder: fail before training, not after
    if isinstance(dataset, (str, Path)):
        from tinyvid.data import load_dataset

        dataset = load_dataset(str(dataset), seed=seed, progress=progress, **(data_options or {}))
    params = {**architecture_params(arch), **{k: v for k, v in arch_params.items() if v is not None}}
    set_seed(seed)
    model = build_model(arch, dataset.input_shape, dataset.num_classes, **arch_params)
    start = time.perf_counter()
    history = fit(model, dataset, epochs=epochs, batch_size=batch_size, seed=seed, learning_rate=learning_rate,
                  patience=patience, progress=progress, augment=augment)
    seconds = time.perf_counter() - start
    metrics = {name: evaluate(model, dataset.split(name)) for name in ("train", "val", "test")}

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_path, record_path = out / MODEL_FILE, out / RECORD_FILE
    parameters, macs = deployed_size(model)  # as the .tflite holds them: BatchNormalization folded
    model.save(model_path)
    record = {
        "tinyvid_version": __version__,
        "kind": "trained",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "data": dataset.describe(),
        "class_names": list(dataset.class_names),
        "input_shape": list(dataset.input_shape),
        "input": {"range": [0.0, 1.0], "meaning": "uint8 / 255",
                  "int8_scale": 1 / 255, "int8_zero_point": -128},
        "architecture": {"name": arch, "params": params},
        "training": {
            "seed": seed, "epochs_requested": epochs, "epochs_run": len(history.epoch),
            "best_epoch": history.best_epoch + 1, "batch_size": batch_size,
            "learning_rate": learning_rate, "patience": patience, "patience_epochs": history.patience,
            "augment": augment,
            "seconds": round(seconds, 2),
            "history": {k: [round(float(v), 5) for v in vals] for k, vals in history.history.items()},
        },
        "metrics": metrics,
        "parameters": parameters,
        "macs": macs,
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return TrainResult(model=model, dataset=dataset, record=record, out_dir=out,
                       model_path=model_path, record_path=record_path)
