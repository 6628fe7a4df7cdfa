"""Parameters and multiply-accumulates of a Keras model, layer by layer.

The one Keras-layer counter, for tables that speak of Keras layers (the per-layer
structured-pruning report). MACs are counted the way the TFLite graph runs them: a
convolution or a dense layer costs one MAC per weight per output position,
BatchNormalization folds into the preceding convolution, activations cost nothing;
so :func:`keras_macs` equals the MACs of the model's ``.tflite``. A model's parameter
total is the one its ``.tflite`` holds (BatchNormalization folded into biases):
:func:`tinyvid.model.convert.deployed_size`, the figure train, import, inspect and
compress all print.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerCost:
    name: str
    kind: str
    params: int
    macs: int
    in_channels: int | None
    out_channels: int | None


def _shape(tensor_shape) -> tuple[int, ...]:
    dims = tensor_shape.as_list() if hasattr(tensor_shape, "as_list") else list(tensor_shape)
    return tuple(int(d) if d is not None else 1 for d in dims[1:])


def layer_costs(model) -> list[LayerCost]:
    """One :class:`LayerCost` per layer that has weights or does arithmetic."""
    costs = []
    for layer in model.layers:
        kind = type(layer).__name__
        params = int(sum(int(np.prod(w.shape)) for w in layer.weights))
        macs = 0
        cin = cout = None
        if kind in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense"):
            in_shape = _shape(layer.input.shape)
            out_shape = _shape(layer.output.shape)
            cin, cout = in_shape[-1], out_shape[-1]
            positions = int(np.prod(out_shape[:-1])) if len(out_shape) > 1 else 1
            if kind == "Conv2D":
                kh, kw = layer.kernel_size
                macs = positions * kh * kw * (cin // layer.groups) * cout
            elif kind == "DepthwiseConv2D":
                kh, kw = layer.kernel_size
                macs = positions * kh * kw * cout
            elif kind == "SeparableConv2D":
                kh, kw = layer.kernel_size
                mid = cin * layer.depth_multiplier
                macs = positions * (kh * kw * mid + mid * cout)
            else:
                macs = positions * cin * cout
        if params or macs:
            costs.append(LayerCost(layer.name, kind, params, macs, cin, cout))
    return costs


def keras_macs(model) -> int:
    """Multiply-accumulates of one inference of a Keras model."""
    return sum(c.macs for c in layer_costs(model))
