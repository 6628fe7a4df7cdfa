"""Shape arithmetic the converter leaves in a graph, folded into constants.

A Keras model with a free batch size computes some shapes at run time: for a
Conv2DTranspose, ``SHAPE(x) -> STRIDED_SLICE -> PACK`` gives its output shape.
In a ``.tflite`` every shape is static, so these int32 results are known before
the model runs: each such operator is evaluated here and its output becomes a
constant tensor (the operator is dropped). TFLM computes the very same values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinyvid.model.graph import NUMPY_DTYPES, Graph

_INDEX = ("int32", "int64")


def fold_shape_arithmetic(graph: Graph) -> Graph:
    """The graph with its int32/int64 shape computations replaced by constants (or the graph itself)."""
    tensors = list(graph.tensors)
    kept = []
    for op in graph.operators:
        value = None
        if len(op.outputs) == 1 and op.outputs[0] not in graph.outputs and tensors[op.outputs[0]].dtype in _INDEX:
            try:
                value = _evaluate(op, tensors)
            except (ValueError, IndexError, TypeError):
                value = None
        out = tensors[op.outputs[0]] if len(op.outputs) == 1 else None
        if value is None or out is None or np.asarray(value).size != out.size:
            kept.append(op)
            continue
        tensors[op.outputs[0]] = replace(out, data=np.asarray(value, NUMPY_DTYPES[out.dtype]).reshape(out.shape))
    if len(kept) == len(graph.operators):
        return graph
    return replace(graph, tensors=tensors, operators=kept)


def _evaluate(op, tensors):
    ins = [tensors[i] if i >= 0 else None for i in op.inputs]
    if op.opcode == "SHAPE":
        return list(ins[0].shape)
    if any(t is None or t.data is None or t.dtype not in _INDEX for t in ins):
        return None
    data = [np.asarray(t.data).reshape(t.shape) for t in ins]
    o = op.options
    if op.opcode == "STRIDED_SLICE":
        if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0):
            return None
        x, begin, end, strides = data[0], *(d.reshape(-1).tolist() for d in data[1:4])
        index = []
        for a in range(x.ndim):
            if o.get("shrink_axis_mask", 0) & (1 << a):
                index.append(int(begin[a]))
            else:
                index.append(slice(None if o.get("begin_mask", 0) & (1 << a) else int(begin[a]),
                                   None if o.get("end_mask", 0) & (1 << a) else int(end[a]), int(strides[a])))
        return x[tuple(index)]
    if op.opcode == "PACK":
        return np.stack(data, axis=int(o.get("axis", 0)))
    if op.opcode == "CONCATENATION" and o.get("fused_activation_function", "NONE") == "NONE":
        return np.concatenate(data, axis=int(o.get("axis", 0)))
    if op.opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
        return data[0]
    return None

