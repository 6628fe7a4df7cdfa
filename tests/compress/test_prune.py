import numpy as np
import pytest

from tinyvid.compress.finetune import FinetuneOptions
from tinyvid.compress.prune import measure_sparsity, prune_unstructured
from tinyvid.errors import ModelError


def test_measure_sparsity_counts_exact_zeros_of_kernels_only():
    from tinyvid import _tf

    L = _tf.keras().layers
    model = _tf.keras().Sequential([L.Input((4,)), L.Dense(5, name="a"), L.Dense(2, name="b")])
    kernel, bias = model.layers[0].get_weights()
    kernel[:2, :] = 0.0  # 10 of 20
    model.layers[0].set_weights([kernel, np.zeros_like(bias)])  # zero biases are not counted
    result = measure_sparsity(model)
    by_name = {l.name: l for l in result.layers}
    assert (by_name["a"].zeros, by_name["a"].total) == (10, 20)
    assert by_name["b"].total == 10
    assert result.sparsity == pytest.approx(10 / 30, abs=0.034)


@pytest.mark.slow
def test_pruning_reaches_the_target_sparsity_in_every_layer_and_keeps_the_model_useful(small_model, small_data):
    before = float(np.mean(np.argmax(small_model.predict(small_data.test.x, verbose=0), -1) == small_data.test.y))
    pruned = prune_unstructured(small_model, small_data.train.x, small_data.train.y, 0.5,
                                FinetuneOptions(epochs=4, batch_size=64, learning_rate=1e-3, seed=0, progress=False))
    sparsity = measure_sparsity(pruned)
    assert sparsity.sparsity >= 0.49
    assert all(layer.sparsity >= 0.45 for layer in sparsity.layers)
    assert measure_sparsity(small_model).sparsity < 0.01  # the input model is untouched
    after = float(np.mean(np.argmax(pruned.predict(small_data.test.x, verbose=0), -1) == small_data.test.y))
    # Measured over seeds 0-4 (the model's and the pruning's): before 0.717-0.763, after
    # 0.695-0.733, a loss of 0.018-0.043 points. (With 4 training and 2 pruning epochs
    # at 5e-4 the loss reached 0.108, failing the old 0.1 margin.) The margins are about
    # twice the worst loss measured, and far above chance (1/3).
    assert after >= before - 0.08
    assert after >= 0.6
    assert not any("prune" in type(l).__name__.lower() for l in pruned.layers)  # stripped


@pytest.mark.slow
def test_a_sparsity_outside_zero_one_is_a_model_error(small_model, small_data):
    with pytest.raises(ModelError, match="sparsity"):
        prune_unstructured(small_model, small_data.train.x, small_data.train.y, 1.0, FinetuneOptions(epochs=1))
