"""Fitting and evaluating Keras models on a FrameDataset (reused by compression)."""

from __future__ import annotations

import sys
import time

import numpy as np

from tinyvid.data.dataset import FrameDataset, Split

DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 32
DEFAULT_LEARNING_RATE = 3e-3
DEFAULT_PATIENCE = 8
#: early stopping waits at least this many optimizer steps without a better epoch: a
#: small data set has few steps per epoch (lfw: 5), and its validation accuracy can sit
#: at chance for the first 40-50 steps while BatchNormalization's moving statistics
#: settle (lfw, seed 2: 9 epochs at 50%, then 100%)
MIN_PATIENCE_STEPS = 100
COSINE_FLOOR = 0.02  # a cosine-decayed learning rate ends at 2 % of its start


def augment_batch(x: np.ndarray, rng: np.random.Generator, *, max_shift: int = 3) -> np.ndarray:
    """Label-preserving augmentation: horizontal flips, small shifts, brightness/contrast.

    Values are re-quantised to multiples of 1/255 so training sees what a camera gives.
    """
    n, h, w, _ = x.shape
    out = x.copy()
    flip = rng.random(n) < 0.5
    out[flip] = out[flip, :, ::-1]
    if max_shift:
        pad = np.pad(out, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)), mode="edge")
        dy = rng.integers(0, 2 * max_shift + 1, n)
        dx = rng.integers(0, 2 * max_shift + 1, n)
        out = np.stack([pad[i, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)])
    gain = rng.uniform(0.8, 1.2, (n, 1, 1, 1)).astype(np.float32)
    shift = rng.uniform(-0.08, 0.08, (n, 1, 1, 1)).astype(np.float32)
    mean = out.mean(axis=(1, 2, 3), keepdims=True)
    out = (out - mean) * gain + mean + shift
    return (np.rint(np.clip(out, 0.0, 1.0) * 255) / 255).astype(np.float32)


def frame_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int, augment: bool, stream: int = 1):
    """A keras Sequence of (frames, labels) batches: shuffled each epoch and, with
    ``augment``, augmented; deterministic from ``seed`` (``stream`` keeps the
    augmentation of different users of one seed apart)."""
    from tinyvid._tf import keras

    class Batches(keras().utils.Sequence):
        def __init__(self):
            super().__init__()
            self.epoch = 0
            self._order()

        def _order(self):
            self.order = np.random.default_rng([seed, self.epoch]).permutation(len(x))

        def __len__(self):
            return max(1, -(-len(x) // batch_size))

        def __getitem__(self, i):
            idx = self.order[i * batch_size : (i + 1) * batch_size]
            frames = x[idx]
            if augment:
                frames = augment_batch(frames, np.random.default_rng([seed, self.epoch, i, stream]))
            return frames, y[idx]

        def on_epoch_end(self):
            self.epoch += 1
            self._order()

    return Batches()


def epoch_progress(epochs: int, progress: bool, desc: str = "training"):
    """A Keras callback showing one compact progress bar over epochs (on stderr) with
    the latest loss and accuracy; silent when ``progress`` is false."""
    from tinyvid._tf import keras

    class EpochLine(keras().callbacks.Callback):
        def on_train_begin(self, logs=None):
            from tqdm import tqdm

            self.bar = tqdm(total=epochs, desc=desc, unit="epoch", file=sys.stderr, leave=False, disable=not progress)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            shown = {k.replace("accuracy", "acc"): f"{v:.3f}" for k, v in logs.items()
                     if k in ("loss", "accuracy", "val_loss", "val_accuracy")}
            self.bar.set_postfix(shown, refresh=False)
            self.bar.update(1)

        def on_train_end(self, logs=None):
            self.bar.close()

    return EpochLine()


def best_epoch(patience: int = 0, monitor: str = "val_accuracy"):
    """A Keras callback that keeps the weights of the best epoch on validation accuracy
    (or the ``monitor`` log entry, higher is better; ties: lower validation loss) and
    restores them at the end; with ``patience`` > 0
    it also stops training after that many epochs without a better one. Its
    ``best_epoch`` is the 0-based index of that epoch (-1 before any)."""
    from tinyvid._tf import keras

    class BestEpoch(keras().callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best = (-1.0, -np.inf)
            self.best_epoch = -1
            self.weights = None
            self.wait = 0

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            acc = logs.get(monitor, logs.get("val_sparse_categorical_accuracy") if monitor == "val_accuracy" else None)
            loss = logs.get("val_loss", 0.0)
            score = (float(acc) if acc is not None else -float(loss), -float(loss))
            if score > self.best:
                self.best, self.best_epoch, self.wait = score, epoch, 0
                self.weights = self.model.get_weights()
            else:
                self.wait += 1
                if patience and self.wait >= patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return BestEpoch()


def compile_for_classification(model, learning_rate: float = DEFAULT_LEARNING_RATE, loss=None,
                               decay_steps: int | None = None) -> None:
    """Adam (with cosine decay of the learning rate over ``decay_steps`` if given),
    sparse categorical cross-entropy on the softmax output, accuracy."""
    from tinyvid._tf import keras

    k = keras()
    lr = learning_rate
    if decay_steps:
        lr = k.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=COSINE_FLOOR)
    model.compile(
        optimizer=k.optimizers.Adam(lr),
        loss=loss if loss is not None else k.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )


def fit(
    model,
    dataset: FrameDataset,
    *,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    patience: int = DEFAULT_PATIENCE,
    progress: bool = True,
    callbacks=(),
    loss=None,
    augment: bool = True,
):
    """Train ``model`` on ``dataset.train``, validating on ``dataset.val``.

    Compiles the model (Adam with the learning rate decaying along a cosine over
    ``epochs``, sparse categorical cross-entropy, accuracy) unless it is already
    compiled and no ``loss`` is given. Stops early when validation accuracy has
    not improved for ``patience`` epochs (0: never; at least
    :data:`MIN_PATIENCE_STEPS` optimizer steps) and restores the best weights.
    Returns the Keras ``History``; ``history.best_epoch`` (0-based) and
    ``history.seconds`` are added.
    """
    from tinyvid._tf import set_seed

    set_seed(seed)
    batches = frame_batches(dataset.train.x, dataset.train.y, int(batch_size), seed, augment)
    if loss is not None or not getattr(model, "_is_compiled", False) or model.optimizer is None:
        compile_for_classification(model, learning_rate, loss, decay_steps=int(epochs) * len(batches))
    if patience:
        patience = max(int(patience), -(-MIN_PATIENCE_STEPS // len(batches)))
    best, line = best_epoch(int(patience)), epoch_progress(int(epochs), progress)
    start = time.perf_counter()
    history = model.fit(
        batches,
        validation_data=(dataset.val.x, dataset.val.y),
        epochs=int(epochs),
        verbose=0,
        shuffle=False,
        callbacks=[*callbacks, best, line],
        workers=1,
        use_multiprocessing=False,
    )
    history.best_epoch = best.best_epoch
    history.patience = int(patience)
    history.seconds = time.perf_counter() - start
    return history


def predict(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (or scores) for frames, in batches, quietly."""
    outs = [np.asarray(model(x[i : i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(outs) if outs else np.zeros((0,), np.float32)


def evaluate_accuracy(model, split: Split) -> float:
    """Top-1 accuracy of a Keras model on a split."""
    if len(split) == 0:
        return float("nan")
    return float(np.mean(np.argmax(predict(model, split.x), axis=-1) == split.y))


def evaluate(model, split: Split) -> dict:
    """Accuracy and mean cross-entropy loss on a split."""
    p = predict(model, split.x)
    eps = 1e-7
    loss = float(np.mean(-np.log(np.clip(p[np.arange(len(split)), split.y], eps, 1.0))))
    return {"accuracy": float(np.mean(np.argmax(p, axis=-1) == split.y)), "loss": loss, "frames": len(split)}
