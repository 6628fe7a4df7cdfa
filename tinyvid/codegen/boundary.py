"""Float and uint8 model inputs and outputs around an int8 model.

The generated C API is int8. Two kinds of boundary around an int8 graph are
turned into it before lowering:

- **float32** (the TFLite converter without ``inference_input_type=int8``): a
  QUANTIZE after each float input and a DEQUANTIZE before each float output. They
  are dropped: the int8 tensor behind each becomes the input (output) of the C
  API, with its scale and zero point in the header. Feeding
  ``round(x / SCALE) + ZERO_POINT`` gives what TFLM's QUANTIZE would compute.
- **uint8** (camera pixels; ``inference_input_type=uint8``): a uint8 input read
  only by QUANTIZE (uint8 -> int8), a uint8 output written by QUANTIZE
  (int8 -> uint8). The uint8 tensor becomes an int8 one holding ``u - 128`` with
  zero point ``zp - 128`` and the same scale (what the firmware's ``uint8``
  conversion feeds). TFLM's requantization only sees ``u - zp``, which that
  leaves unchanged, so the QUANTIZE becomes an int8 -> int8 one with identical
  results; when it is the identity (same scale, zero points 128 apart: TFLM's
  ``x ^ 0x80`` fast path) it is dropped as well.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinyvid.codegen.fold import fold_padding, fold_shape_arithmetic
from tinyvid.model.graph import Graph, Quantization

_FLOAT = ("float32",)


def _per_tensor(t) -> bool:
    return t.quantization is not None and len(t.quantization.scales) == 1


def _as_int8(t):
    """A uint8 tensor seen as int8 (``u - 128``, zero point - 128, same scale)."""
    q = t.quantization
    return replace(t, dtype="int8", quantization=Quantization(np.asarray(q.scales, np.float32),
                                                              np.asarray(q.zero_points, np.int64) - 128,
                                                              q.quantized_dimension))


def _identity(src, dst) -> bool:
    """A QUANTIZE from ``src`` to ``dst`` (both int8 now) that copies bytes."""
    return (np.float32(src.quantization.scale) == np.float32(dst.quantization.scale)
            and src.quantization.zero_point == dst.quantization.zero_point)


def strip_float_io(graph: Graph) -> Graph:
    """The graph the C code generator takes: int8 C inputs and outputs (float boundary
    QUANTIZE / DEQUANTIZE dropped, uint8 boundaries seen as int8) and its shape arithmetic
    folded into constants (:mod:`tinyvid.codegen.fold`); the graph itself when neither applies."""
    graph = fold_padding(fold_shape_arithmetic(graph))
    consumers: dict[int, list] = {}
    for op in graph.operators:
        for i in op.inputs:
            consumers.setdefault(i, []).append(op)
    producer = {o: op for op in graph.operators for o in op.outputs}
    tensors = list(graph.tensors)
    drop: set[int] = set()
    inputs = list(graph.inputs)
    for k, i in enumerate(graph.inputs):
        users = consumers.get(i, [])
        t = graph.tensors[i]
        if t.dtype in _FLOAT and len(users) == 1 and users[0].opcode == "QUANTIZE" and i not in graph.outputs:
            q = users[0]
            if len(q.outputs) == 1 and graph.tensors[q.outputs[0]].dtype == "int8":
                inputs[k] = q.outputs[0]
                drop.add(id(q))
        elif (t.dtype == "uint8" and _per_tensor(t) and users and i not in graph.outputs
              and all(u.opcode == "QUANTIZE" and len(u.outputs) == 1 and graph.tensors[u.outputs[0]].dtype == "int8"
                      and _per_tensor(graph.tensors[u.outputs[0]]) for u in users)):
            tensors[i] = _as_int8(t)
            q = users[0]
            if len(users) == 1 and _identity(tensors[i], graph.tensors[q.outputs[0]]) and q.outputs[0] not in graph.outputs:
                inputs[k] = q.outputs[0]
                drop.add(id(q))
    outputs = list(graph.outputs)
    for k, o in enumerate(graph.outputs):
        op = producer.get(o)
        t = graph.tensors[o]
        if op is None or len(op.inputs) != 1 or consumers.get(o):
            continue
        src = op.inputs[0]
        if t.dtype in _FLOAT and op.opcode == "DEQUANTIZE":
            if graph.tensors[src].dtype == "int8":
                outputs[k] = src
                drop.add(id(op))
        elif (t.dtype == "uint8" and op.opcode == "QUANTIZE" and _per_tensor(t) and graph.tensors[src].dtype == "int8"
              and _per_tensor(graph.tensors[src])):
            tensors[o] = _as_int8(t)
            if (_identity(graph.tensors[src], tensors[o]) and src not in graph.inputs and src not in outputs
                    and graph.tensors[src].data is None):
                outputs[k] = src
                drop.add(id(op))
    if not drop and all(a is b for a, b in zip(tensors, graph.tensors)):
        return graph
    return replace(graph, tensors=tensors, operators=[op for op in graph.operators if id(op) not in drop],
                   inputs=tuple(inputs), outputs=tuple(outputs))


def boundary_kinds(original: Graph, stripped: Graph) -> tuple[list[str], list[str]]:
    """What each input / output of the original model is around its int8 C tensor:
    ``"int8"`` (the same), ``"float32"`` or ``"uint8"``."""
    def kind(a: int, b: int) -> str:
        dtype = original.tensors[a].dtype
        if dtype in _FLOAT and a != b:
            return "float32"
        if dtype == "uint8" and stripped.tensors[b].dtype == "int8":
            return "uint8"
        return "int8"

    return ([kind(a, b) for a, b in zip(original.inputs, stripped.inputs)],
            [kind(a, b) for a, b in zip(original.outputs, stripped.outputs)])


def float_boundary(original: Graph, stripped: Graph) -> tuple[list[bool], list[bool]]:
    """Which inputs / outputs of the original model are float around an int8 tensor."""
    ins, outs = boundary_kinds(original, stripped)
    return [k == "float32" for k in ins], [k == "float32" for k in outs]


def to_model_inputs(original: Graph, stripped: Graph, case: list[np.ndarray]) -> list[np.ndarray]:
    """int8 C inputs -> what the original model takes (float before a QUANTIZE, uint8 ``x + 128``)."""
    kinds, _ = boundary_kinds(original, stripped)
    out = []
    for k, x in enumerate(case):
        x = np.asarray(x)
        if kinds[k] == "float32":
            q = stripped.tensors[stripped.inputs[k]].quantization
            x = (x.astype(np.float32) - np.float32(q.zero_point)) * np.float32(q.scale)
        elif kinds[k] == "uint8":
            x = (x.astype(np.int16) + 128).astype(np.uint8)
        out.append(x)
    return out


def to_c_inputs(original: Graph, stripped: Graph, case: list[np.ndarray]) -> list[np.ndarray]:
    """The original model's inputs -> the int8 C inputs (float ones quantized as TFLM's QUANTIZE does)."""
    kinds, _ = boundary_kinds(original, stripped)
    out = []
    for k, x in enumerate(case):
        x = np.asarray(x)
        if kinds[k] == "float32":
            q = stripped.tensors[stripped.inputs[k]].quantization
            x = np.clip(np.round(x / np.float32(q.scale)) + q.zero_point, -128, 127).astype(np.int8)
        elif kinds[k] == "uint8":
            x = (x.astype(np.int16) - 128).astype(np.int8)
        out.append(x)
    return out


def to_c_outputs(original: Graph, stripped: Graph, outs: list[np.ndarray]) -> list[np.ndarray]:
    """The original model's outputs -> the int8 C outputs (a float output after DEQUANTIZE is
    quantized back, exactly; a uint8 one is ``u - 128``)."""
    _, kinds = boundary_kinds(original, stripped)
    result = []
    for j, o in enumerate(outs):
        o = np.asarray(o)
        if kinds[j] == "float32":
            q = stripped.tensors[stripped.outputs[j]].quantization
            o = np.clip(np.round(o.astype(np.float64) / float(q.scale)) + q.zero_point, -128, 127).astype(np.int8)
        elif kinds[j] == "uint8":
            o = (o.astype(np.int16) - 128).astype(np.int8)
        result.append(o)
    return result
