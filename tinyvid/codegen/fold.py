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



#: the convolutions a PAD folds into (their kernels skip taps outside the input,
#: which is what padding with the input's zero point gives)
_PADDED_WINDOWS = ("CONV_2D", "DEPTHWISE_CONV_2D")
#: the option a folded convolution carries: (top, bottom, left, right) explicit padding
EXPLICIT_PADDING = "tv_explicit_padding"


def fold_padding(graph: Graph) -> Graph:
    """The graph with each int8 PAD in front of VALID convolutions folded into them.

    Keras' ``ZeroPadding2D`` + strided ``Conv2D(padding="valid")`` (MobileNetV2, FOMO)
    converts to PAD -> CONV_2D: the padded copy is a whole tensor in the arena, and it
    sets the peak of such models. When a PAD pads only height and width, with the
    zero point of its input (a PAD's, or PADV2's constant equal to it), and only VALID
    CONV_2D / DEPTHWISE_CONV_2D read its output, those convolutions read the unpadded
    input with the padding as explicit offsets (:data:`EXPLICIT_PADDING`): the result
    is the same, bit for bit, and the PAD and its tensor are gone.
    """
    consumers: dict[int, list] = {}
    for op in graph.operators:
        for i in op.inputs:
            consumers.setdefault(i, []).append(op)
    replaced: dict[int, object] = {}
    dropped: set[int] = set()
    for op in graph.operators:
        pads = _foldable_pad(graph, op, consumers)
        if pads is None:
            continue
        dropped.add(op.index)
        for user in consumers[op.outputs[0]]:
            options = {**user.options, EXPLICIT_PADDING: pads}
            replaced[user.index] = replace(user, inputs=(op.inputs[0], *user.inputs[1:]), options=options)
    if not dropped:
        return graph
    operators = [replaced.get(op.index, op) for op in graph.operators if op.index not in dropped]
    return replace(graph, operators=operators)


def _foldable_pad(graph: Graph, op, consumers) -> tuple[int, int, int, int] | None:
    if op.opcode not in ("PAD", "PADV2") or len(op.outputs) != 1 or len(op.inputs) < 2:
        return None
    x, y, paddings = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]], graph.tensors[op.inputs[1]]
    if (x.dtype != "int8" or y.dtype != "int8" or paddings.data is None or len(x.shape) != 4
            or op.outputs[0] in graph.outputs or op.inputs[0] in graph.outputs
            or x.quantization is None or y.quantization is None):
        return None
    if (x.quantization.zero_point != y.quantization.zero_point
            or np.float32(x.quantization.scale) != np.float32(y.quantization.scale)):
        return None
    pads = np.asarray(paddings.data).reshape(-1, 2)
    if pads.shape != (4, 2) or pads[0].any() or pads[3].any() or (pads < 0).any():
        return None
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        value = graph.tensors[op.inputs[2]]
        if value.data is None or value.size != 1 or int(np.asarray(value.data).reshape(-1)[0]) != x.quantization.zero_point:
            return None
    users = consumers.get(op.outputs[0], [])
    if not users or any(u.opcode not in _PADDED_WINDOWS or u.inputs[0] != op.outputs[0]
                        or op.outputs[0] in u.inputs[1:] or u.options.get("padding", "SAME") != "VALID"
                        or EXPLICIT_PADDING in u.options for u in users):
        return None
    return int(pads[1, 0]), int(pads[1, 1]), int(pads[2, 0]), int(pads[2, 1])
