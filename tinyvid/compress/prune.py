"""Unstructured magnitude pruning (tensorflow-model-optimization) and sparsity measurement."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tinyvid.compress.finetune import FinetuneOptions, finetune, steps_per_epoch
from tinyvid.errors import ModelError

PRUNED_WEIGHTS = ("kernel", "depthwise_kernel", "pointwise_kernel")


@dataclass(frozen=True)
class LayerSparsity:
    name: str
    zeros: int
    total: int

    @property
    def sparsity(self) -> float:
        return self.zeros / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "sparsity": self.sparsity}


@dataclass(frozen=True)
class Sparsity:
    layers: tuple[LayerSparsity, ...]

    @property
    def zeros(self) -> int:
        return sum(l.zeros for l in self.layers)

    @property
    def total(self) -> int:
        return sum(l.total for l in self.layers)

    @property
    def sparsity(self) -> float:
        return self.zeros / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {"sparsity": self.sparsity, "zeros": self.zeros, "total": self.total, "layers": [l.to_dict() for l in self.layers]}


def measure_sparsity(model) -> Sparsity:
    """Fraction of exact zeros in each layer's kernels (biases and BatchNorm are not pruned)."""
    layers = []
    for layer in model.layers:
        zeros = total = 0
        for w in layer.weights:
            if w.name.split("/")[-1].split(":")[0] in PRUNED_WEIGHTS:
                value = w.numpy()
                zeros += int(np.count_nonzero(value == 0))
                total += int(value.size)
        if total:
            layers.append(LayerSparsity(layer.name, zeros, total))
    return Sparsity(tuple(layers))


def prune_unstructured(model, x: np.ndarray, y: np.ndarray, sparsity: float, options: FinetuneOptions):
    """Prune ``model`` to ``sparsity`` zeros per layer while fine-tuning; returns the stripped model.

    A polynomial schedule raises the sparsity from 0 to the target over the first 70% of
    the fine-tuning steps; the remaining steps let the kept weights recover.
    """
    from tinyvid import _tf

    keras, tfmot = _tf.keras(), _tf.tfmot()
    if not 0.0 < sparsity < 1.0:
        raise ModelError(f"sparsity {sparsity} is outside (0, 1)", "give the fraction of weights to zero, e.g. 0.5")
    if options.epochs < 1:
        raise ModelError("unstructured pruning needs at least one fine-tuning epoch", "pass --epochs 1 or more")
    steps = steps_per_epoch(len(x), options.batch_size) * options.epochs
    frequency = max(1, min(50, int(steps * 0.7) // 10))
    end_step = max(frequency, (int(steps * 0.7) // frequency) * frequency)
    schedule = tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=0.0, final_sparsity=float(sparsity), begin_step=0, end_step=end_step, frequency=frequency
    )
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    try:
        wrapped = tfmot.sparsity.keras.prune_low_magnitude(copy, pruning_schedule=schedule)
    except ValueError as exc:
        raise ModelError(
            f"cannot prune this model with tensorflow-model-optimization: {str(exc).splitlines()[0][:250]}",
            "use built-in Keras layers only, or prune structurally with --structured",
        ) from exc
    finetune(wrapped, x, y, options, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    return tfmot.sparsity.keras.strip_pruning(wrapped)
