"""Fine-tuning used by every compression step: cross-entropy or distillation, with the
training augmentation of tinyvid.train, Adam with the learning rate decaying along a
cosine over all steps, optionally keeping the best epoch on validation."""

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
    augment: bool = True
    progress: bool = True
    loss: object = None  # a Keras loss instead of cross-entropy (a detector's weighted cell loss)


def steps_per_epoch(n_frames: int, batch_size: int) -> int:
    return max(1, -(-n_frames // batch_size))


def finetune(model, x: np.ndarray, y: np.ndarray, options: FinetuneOptions, callbacks=(), *,
             validation: tuple[np.ndarray, np.ndarray] | None = None, keep_best: bool = False) -> None:
    """Train ``model`` in place for ``options.epochs`` epochs (seeded, shuffled).

    With ``validation`` and ``keep_best`` the weights of the best validation epoch are
    kept (not for pruning, whose masks grow during training).
    """
    from tinyvid import _tf
    from tinyvid.train.fitting import COSINE_FLOOR, best_epoch, epoch_progress, frame_batches

    keras = _tf.keras()
    _tf.set_seed(options.seed)
    if options.epochs <= 0:
        return
    steps = steps_per_epoch(len(x), options.batch_size) * options.epochs
    schedule = keras.optimizers.schedules.CosineDecay(options.learning_rate, steps, alpha=COSINE_FLOOR)
    optimizer = keras.optimizers.Adam(schedule)
    if options.teacher is not None:
        trainer = make_distiller(model, options.teacher, alpha=options.alpha, temperature=options.temperature)
        trainer.compile(optimizer=optimizer)
    else:
        trainer = model
        trainer.compile(
            optimizer=optimizer,
            loss=options.loss if options.loss is not None
            else keras.losses.SparseCategoricalCrossentropy(from_logits=not ends_in_softmax(model)),
            metrics=["accuracy"],
        )
    callbacks = list(callbacks)
    callbacks.append(epoch_progress(options.epochs, options.progress, desc="fine-tuning"))
    if validation is not None and len(validation[0]) and keep_best:
        callbacks.append(best_epoch())
    trainer.fit(
        frame_batches(x, y, options.batch_size, options.seed, options.augment, stream=7),
        epochs=options.epochs,
        validation_data=validation if validation is not None and len(validation[0]) else None,
        shuffle=False,
        callbacks=callbacks,
        verbose=0,
    )
