"""Models as data: the ``.tflite`` reader and graph IR, per-layer statistics
(``tinyvid inspect``) and the host reference interpreters (tflite-micro, LiteRT)."""

from tinyvid.model.graph import Graph, Operator, Quantization, Tensor
from tinyvid.model.inspect import inspect_model
from tinyvid.model.reader import load_graph
from tinyvid.model.stats import LayerStats, ModelStats, model_stats

__all__ = [
    "Graph",
    "LayerStats",
    "ModelStats",
    "Operator",
    "Quantization",
    "Tensor",
    "inspect_model",
    "load_graph",
    "model_stats",
]
