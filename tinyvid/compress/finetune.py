"""Fine-tuning used by every compression step: plain cross-entropy or distillation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyvid.compress.distill import DEFAULT_ALPHA, DEFAULT_TEMPERATURE, ends_in_softmax, make_distiller


@dataclass(frozen=True)
class FinetuneOptions:
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 5e-4
    seed: int = 0
    teacher: object = None  # a Keras model or None
    alpha: float = DEFAULT_ALPHA
    temperature: float = DEFAULT_TEMPERATURE
    progress: bool = True


def steps_per_epoch(n_frames: int, batch_size: int) -> int:
    return max(1, -(-n_frames // batch_size))


def finetune(model, x: np.ndarray, y: np.ndarray, options: FinetuneOptions, callbacks=()) -> None:
    """Train ``model`` in place for ``options.epochs`` epochs (seeded, shuffled)."""
    from tinyvid import _tf

    keras = _tf.keras()
    _tf.set_seed(options.seed)
    if options.epochs <= 0:
        return
    optimizer = keras.optimizers.Adam(options.learning_rate)
    if options.teacher is not None:
        trainer = make_distiller(model, options.teacher, alpha=options.alpha, temperature=options.temperature)
        trainer.compile(optimizer=optimizer)
    else:
        trainer = model
        trainer.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model)),
            metrics=["accuracy"],
        )
    trainer.fit(
        x,
        y,
        batch_size=options.batch_size,
        epochs=options.epochs,
        shuffle=True,
        callbacks=list(callbacks),
        verbose=2 if options.progress else 0,
    )
