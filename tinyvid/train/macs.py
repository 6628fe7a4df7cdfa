"""Multiply-accumulates of a Keras model, counted from its layers' shapes."""

from __future__ import annotations

import numpy as np


def layer_macs(layer) -> int:
    """MACs of one layer for batch 1 (convolutions and dense layers; others count 0)."""
    from tinyvid._tf import keras

    L = keras().layers
    inner = getattr(layer, "layer", layer)  # tfmot wrappers hold the real layer
    try:
        out = layer.output_shape
    except AttributeError:
        return 0
    if isinstance(out, list):
        return 0
    if isinstance(inner, L.DepthwiseConv2D):
        kh, kw = inner.kernel_size
        return int(np.prod(out[1:3]) * out[3] * kh * kw)
    if isinstance(inner, L.Conv2D):
        kh, kw = inner.kernel_size
        cin = int(layer.input_shape[-1]) // getattr(inner, "groups", 1)
        return int(np.prod(out[1:3]) * out[3] * kh * kw * cin)
    if isinstance(inner, L.Dense):
        return int(layer.input_shape[-1]) * int(out[-1])
    return 0


def keras_macs(model) -> int:
    """Total MACs per inference of a (functional or sequential) Keras model."""
    total = 0
    for layer in model.layers:
        if hasattr(layer, "layers") and not hasattr(layer, "layer"):  # nested model
            total += keras_macs(layer)
        else:
            total += layer_macs(layer)
    return total
