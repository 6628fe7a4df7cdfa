"""Training a heat-map detector: per-cell cross-entropy with object cells weighted,
flip and lighting augmentation, the best epoch on validation F1 kept."""

from __future__ import annotations

import datetime as _dt
import json
import time
from pathlib import Path

import numpy as np

from tinyvid.detect.decode import DEFAULT_THRESHOLD
from tinyvid.detect.evaluate import is_heatmap, score_heatmaps
from tinyvid.detect.metrics import DEFAULT_TOLERANCE_CELLS
from tinyvid.detect.targets import cell_targets
from tinyvid.errors import ModelError

#: weight of an object cell in the loss, against 1 for a background cell (FOMO uses 100
#: on its sparse labels; this set has 1-3 objects in 144 cells)
DEFAULT_OBJECT_WEIGHT = 10.0
DEFAULT_EPOCHS = 40
DEFAULT_BATCH_SIZE = 32
DEFAULT_LEARNING_RATE = 5e-3


def output_grid(model) -> tuple[int, int]:
    shape = model.outputs[0].shape.as_list()[1:]
    if not is_heatmap(shape):
        raise ModelError(f"the model's output {shape} is not a per-cell heat map (rows, cols, classes)",
                         "train a detector architecture, e.g. --arch fomo")
    return int(shape[0]), int(shape[1])


def weighted_cell_loss(object_weight: float = DEFAULT_OBJECT_WEIGHT):
    """Cross-entropy of each cell's softmax, object cells weighted ``object_weight``."""
    from tinyvid import _tf

    tf, keras = _tf.tf(), _tf.keras()

    def cell_loss(y_true, y_pred):
        y = tf.cast(tf.reshape(y_true, tf.shape(y_pred)[:-1]), tf.int32)
        ce = keras.losses.sparse_categorical_crossentropy(y, y_pred)
        w = tf.where(y > 0, float(object_weight), 1.0)
        return tf.reduce_sum(ce * w, axis=[1, 2]) / tf.cast(tf.reduce_prod(tf.shape(y)[1:]), tf.float32)

    return cell_loss


def _flip(objs: np.ndarray, width: int) -> np.ndarray:
    out = np.array(objs, np.float32, copy=True)
    if len(out):
        out[:, 1] = width - out[:, 1]
    return out


def heatmap_batches(x, objects, grid, batch_size: int, seed: int, augment: bool):
    """A keras Sequence of (frames, cell targets), shuffled per epoch; ``augment``
    flips frames (and their objects) left-right and changes gain and offset."""
    from tinyvid._tf import keras

    h, w = x.shape[1:3]

    class Batches(keras().utils.Sequence):
        def __init__(self):
            super().__init__()
            self.epoch = 0
            self.order = np.random.default_rng([seed, 0]).permutation(len(x))

        def __len__(self):
            return max(1, -(-len(x) // batch_size))

        def __getitem__(self, i):
            idx = self.order[i * batch_size:(i + 1) * batch_size]
            frames, objs = x[idx].copy(), [objects[k] for k in idx]
            if augment:
                rng = np.random.default_rng([seed, self.epoch, i, 11])
                flip = rng.random(len(idx)) < 0.5
                frames[flip] = frames[flip, :, ::-1]
                objs = [_flip(o, w) if f else o for o, f in zip(objs, flip)]
                gain = rng.uniform(0.8, 1.2, (len(idx), 1, 1, 1)).astype(np.float32)
                shift = rng.uniform(-0.08, 0.08, (len(idx), 1, 1, 1)).astype(np.float32)
                mean = frames.mean(axis=(1, 2, 3), keepdims=True)
                frames = np.rint(np.clip((frames - mean) * gain + mean + shift, 0, 1) * 255).astype(np.float32) / 255
            return frames, cell_targets(objs, grid, (h, w))

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([seed, self.epoch]).permutation(len(x))

    return Batches()


#: the score thresholds tried on the validation split
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.3, 0.951, 0.05))


def choose_threshold(heatmaps, objects, image_size, tolerance_cells: float = DEFAULT_TOLERANCE_CELLS) -> float:
    """The score threshold of :data:`THRESHOLDS` with the best centroid F1 (on the
    validation split; a tie keeps the lower threshold); 0.5 without validation frames."""
    if not len(objects):
        return DEFAULT_THRESHOLD
    scores = [score_heatmaps(heatmaps, objects, image_size, threshold=t, tolerance_cells=tolerance_cells).f1
              for t in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmax(scores))])


def predict_heatmaps(model, x: np.ndarray, batch_size: int = 128) -> np.ndarray:
    from tinyvid.train.fitting import predict

    return predict(model, x, batch_size)


def validation_f1(split, image_size, threshold: float, tolerance_cells: float):
    """A callback that adds ``val_f1`` (centroid F1 on ``split``) to each epoch's logs,
    for :func:`tinyvid.train.fitting.best_epoch` to keep the best epoch by."""
    from tinyvid._tf import keras

    class ValidationF1(keras().callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.history = []

        def on_epoch_end(self, epoch, logs=None):
            f1 = score_heatmaps(predict_heatmaps(self.model, split.x), split.objects, image_size,
                                threshold=threshold, tolerance_cells=tolerance_cells).f1
            self.history.append(round(f1, 5))
            if logs is not None:
                logs["val_f1"] = f1

    return ValidationF1()


def fit_detector(model, data, *, epochs: int = DEFAULT_EPOCHS, batch_size: int = DEFAULT_BATCH_SIZE, seed: int = 0,
                 learning_rate: float = DEFAULT_LEARNING_RATE, object_weight: float = DEFAULT_OBJECT_WEIGHT,
                 patience: int = 0, augment: bool = True, progress: bool = False, callbacks=(),
                 keep_best: bool = True, threshold: float = DEFAULT_THRESHOLD,
                 tolerance_cells: float = DEFAULT_TOLERANCE_CELLS):
    """Train ``model`` on ``data.train`` (Adam, cosine decay); with ``keep_best`` the
    model ends with the weights of its best validation-F1 epoch (best_epoch). Returns
    ``(history, best epoch index or -1, validation F1 per epoch)``."""
    from tinyvid import _tf
    from tinyvid.train.fitting import COSINE_FLOOR, best_epoch, epoch_progress

    keras = _tf.keras()
    _tf.set_seed(seed)
    grid = output_grid(model)
    batches = heatmap_batches(data.train.x, data.train.objects, grid, int(batch_size), seed, augment)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, int(epochs) * len(batches), alpha=COSINE_FLOOR)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=weighted_cell_loss(object_weight))
    cbs = list(callbacks)
    best = f1 = None
    if keep_best and len(data.val):
        f1 = validation_f1(data.val, data.image_size, threshold, tolerance_cells)
        best = best_epoch(int(patience), monitor="val_f1")
        cbs += [f1, best]  # in this order: best_epoch reads the val_f1 that f1 logs
    cbs.append(epoch_progress(int(epochs), progress, desc="training detector"))
    history = model.fit(batches, epochs=int(epochs), verbose=0, shuffle=False, callbacks=cbs)
    return history, (best.best_epoch if best else -1), (f1.history if f1 else [])


def train_detector(dataset="synthetic", arch: str = "fomo", *, epochs: int = DEFAULT_EPOCHS,
                   batch_size: int = DEFAULT_BATCH_SIZE, seed: int = 0, learning_rate: float = DEFAULT_LEARNING_RATE,
                   patience: int = 0, augment: bool = True, object_weight: float = DEFAULT_OBJECT_WEIGHT,
                   out_dir="runs/train", progress: bool = True, data_options: dict | None = None, **arch_params):
    """Train a heat-map detector on an object data set (``"synthetic"``, a folder with a
    ``objects.csv`` (frame,class,x,y[,w,h]), or an :class:`~tinyvid.data.objects.ObjectDataset`) and save
    ``model.keras`` and ``model.json`` (task ``detection``) into ``out_dir``."""
    from tinyvid import __version__
    from tinyvid._tf import set_seed
    from tinyvid.data.objects import load_objects
    from tinyvid.model.convert import deployed_size
    from tinyvid.paths import check_output_dir
    from tinyvid.train.architectures import architecture_params, build_model, check_params
    from tinyvid.train.trainer import MODEL_FILE, RECORD_FILE, TrainResult

    if epochs < 1:
        raise ModelError(f"epochs must be at least 1, not {epochs}", "use e.g. --epochs 40")
    if batch_size < 1:
        raise ModelError(f"batch size must be at least 1, not {batch_size}", "use e.g. --batch-size 32")
    check_params(arch, arch_params)
    check_output_dir(out_dir)
    if isinstance(dataset, (str, Path)):
        options = {k: v for k, v in (data_options or {}).items() if k in ("image_size", "channels", "frames") and v is not None}
        dataset = load_objects(str(dataset), seed=seed, **options)
    params = {**architecture_params(arch), **{k: v for k, v in arch_params.items() if v is not None}}
    set_seed(seed)
    model = build_model(arch, dataset.input_shape, dataset.num_classes, **arch_params)
    start = time.perf_counter()
    history, best, val_f1 = fit_detector(model, dataset, epochs=epochs, batch_size=batch_size, seed=seed,
                                         learning_rate=learning_rate, object_weight=object_weight, patience=patience,
                                         augment=augment, progress=progress)
    seconds = time.perf_counter() - start
    threshold = choose_threshold(predict_heatmaps(model, dataset.val.x), dataset.val.objects, dataset.image_size)
    metrics = {name: score_heatmaps(predict_heatmaps(model, dataset.split(name).x), dataset.split(name).objects,
                                    dataset.image_size, threshold=threshold).to_dict()
               for name in ("train", "val", "test")}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_path, record_path = out / MODEL_FILE, out / RECORD_FILE
    parameters, macs = deployed_size(model)
    model.save(model_path)
    grid = output_grid(model)
    record = {
        "tinyvid_version": __version__,
        "kind": "trained",
        "task": "detection",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "data": dataset.describe(),
        "class_names": list(dataset.class_names),
        "input_shape": list(dataset.input_shape),
        "input": {"range": [0.0, 1.0], "meaning": "uint8 / 255", "int8_scale": 1 / 255, "int8_zero_point": -128},
        "architecture": {"name": arch, "params": params},
        "detection": {"grid": list(grid), "threshold": threshold, "tolerance_cells": DEFAULT_TOLERANCE_CELLS,
                      "tolerance_px": DEFAULT_TOLERANCE_CELLS * dataset.image_size[1] / grid[1],
                      "object_weight": object_weight},
        "training": {"seed": seed, "epochs_requested": epochs, "epochs_run": len(history.epoch),
                     "best_epoch": best + 1, "batch_size": batch_size, "learning_rate": learning_rate,
                     "patience": patience, "augment": augment, "seconds": round(seconds, 2),
                     "history": {"loss": [round(float(v), 5) for v in history.history.get("loss", [])],
                                 "val_f1": val_f1}},
        "metrics": metrics,
        "parameters": parameters,
        "macs": macs,
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return TrainResult(model=model, dataset=dataset, record=record, out_dir=out, model_path=model_path,
                       record_path=record_path)
