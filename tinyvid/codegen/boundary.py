"""Float model inputs and outputs around an int8 model.

The TFLite converter without ``inference_input_type=int8`` keeps float32 inputs and
outputs around an int8 graph: a QUANTIZE after each input and a DEQUANTIZE before
each output. The generated C API is int8, so those boundary operators are dropped:
the int8 tensor behind each becomes the input (output) of the C API, with its scale
and zero point in the header. Feeding ``round(x / SCALE) + ZERO_POINT`` gives what
TFLM's QUANTIZE would compute.
"""

from __future__ import annotations

from dataclasses import replace

from tinyvid.model.graph import Graph

_FLOAT = ("float32",)


def strip_float_io(graph: Graph) -> Graph:
    """The graph with boundary QUANTIZE / DEQUANTIZE operators removed (or the graph itself)."""
    consumers: dict[int, list] = {}
    for op in graph.operators:
        for i in op.inputs:
            consumers.setdefault(i, []).append(op)
    producer = {o: op for op in graph.operators for o in op.outputs}
    drop: set[int] = set()
    inputs = list(graph.inputs)
    for k, i in enumerate(graph.inputs):
        users = consumers.get(i, [])
        if graph.tensors[i].dtype in _FLOAT and len(users) == 1 and users[0].opcode == "QUANTIZE" and i not in graph.outputs:
            q = users[0]
            if len(q.outputs) == 1 and graph.tensors[q.outputs[0]].dtype == "int8":
                inputs[k] = q.outputs[0]
                drop.add(id(q))
    outputs = list(graph.outputs)
    for k, o in enumerate(graph.outputs):
        op = producer.get(o)
        if graph.tensors[o].dtype in _FLOAT and op is not None and op.opcode == "DEQUANTIZE" and len(op.inputs) == 1:
            src = op.inputs[0]
            if graph.tensors[src].dtype == "int8" and not consumers.get(o):
                outputs[k] = src
                drop.add(id(op))
    if not drop:
        return graph
    return replace(graph, operators=[op for op in graph.operators if id(op) not in drop], inputs=tuple(inputs), outputs=tuple(outputs))


def float_boundary(original: Graph, stripped: Graph) -> tuple[list[bool], list[bool]]:
    """Which inputs / outputs of the original model are float around an int8 tensor."""
    fin = [original.tensors[a].dtype in _FLOAT and a != b for a, b in zip(original.inputs, stripped.inputs)]
    fout = [original.tensors[a].dtype in _FLOAT and a != b for a, b in zip(original.outputs, stripped.outputs)]
    return fin, fout
