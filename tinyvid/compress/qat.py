"""Quantization-aware training: fine-tune with fake int8 quantization, then convert.

tfmot inserts fake-quantization of weights and activations (BatchNorm folded into the
convolution as TFLite will do), the model is fine-tuned so it learns to live with int8
rounding, and the result goes through the same int8 converter as post-training
quantization. When the model is already sparse, the prune-preserving scheme keeps its
zeros. The input quantizer's range is pinned to [0, 1] after training so the int8
input is exactly scale 1/255, zero point -128.
"""

from __future__ import annotations

import numpy as np

from tinyvid.compress.finetune import FinetuneOptions, finetune
from tinyvid.errors import ModelError


def quantize_aware(model, x: np.ndarray, y: np.ndarray, options: FinetuneOptions, *, keep_sparsity: bool = False):
    """The QAT-wrapped, fine-tuned copy of ``model`` (convert it with ``to_int8_tflite``)."""
    from tinyvid import _tf

    tfmot = _tf.tfmot()
    keras = _tf.keras()
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    try:
        if keep_sparsity:
            from tensorflow_model_optimization.python.core.quantization.keras.collab_opts.prune_preserve.default_8bit_prune_preserve_quantize_scheme import (
                Default8BitPrunePreserveQuantizeScheme,
            )

            annotated = tfmot.quantization.keras.quantize_annotate_model(copy)
            qat = tfmot.quantization.keras.quantize_apply(annotated, Default8BitPrunePreserveQuantizeScheme())
        else:
            qat = tfmot.quantization.keras.quantize_model(copy)
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ModelError(
            f"quantization-aware training does not support this model: {str(exc).splitlines()[0][:250]}",
            "drop --qat (post-training int8 quantization handles more layer types)",
        ) from exc
    finetune(qat, x, y, options)
    _pin_input_range(qat)
    return qat


def _pin_input_range(qat_model) -> None:
    """Set the input quantizer's learned min/max to exactly 0 and 1."""
    for layer in qat_model.layers:
        if type(layer).__name__ != "QuantizeLayer":
            continue
        for w in layer.weights:
            leaf = w.name.split("/")[-1].split(":")[0]
            if leaf.endswith("min"):
                w.assign(np.zeros(w.shape, np.float32))
            elif leaf.endswith("max"):
                w.assign(np.ones(w.shape, np.float32))
