"""The one best-epoch callback, used by training (with patience) and fine-tuning (without)."""

import numpy as np

from tinyvid.train import build_model
from tinyvid.train.fitting import best_epoch


def _run(callback, model, scores):
    """Feed ``callback`` epochs with the given (val_accuracy, val_loss), changing the
    weights each epoch (epoch i sets every weight to i); returns the epochs run."""
    callback.set_model(model)
    run = 0
    for epoch, (acc, loss) in enumerate(scores):
        model.set_weights([np.full(w.shape, float(epoch), w.dtype) for w in model.get_weights()])
        callback.on_epoch_end(epoch, {"val_accuracy": acc, "val_loss": loss})
        run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return run


def test_keeps_the_best_epoch_on_accuracy_then_loss_and_restores_it():
    model = build_model("tiny_cnn", (8, 8, 1), 2, filters=2, blocks=1)
    model.stop_training = False
    callback = best_epoch()
    assert _run(callback, model, [(0.5, 1.0), (0.8, 0.9), (0.8, 0.7), (0.6, 0.1), (0.7, 0.2)]) == 5
    assert callback.best_epoch == 2  # equal accuracy, lower loss wins
    assert all(np.all(w == 2.0) for w in model.get_weights())


def test_with_patience_stops_after_that_many_epochs_without_a_better_one():
    model = build_model("tiny_cnn", (8, 8, 1), 2, filters=2, blocks=1)
    model.stop_training = False
    callback = best_epoch(patience=2)
    assert _run(callback, model, [(0.9, 0.1), (0.5, 1.0), (0.6, 1.0), (0.99, 0.0)]) == 3
    assert callback.best_epoch == 0 and all(np.all(w == 0.0) for w in model.get_weights())
