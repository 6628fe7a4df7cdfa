"""Residual ADDs fused into the convolution that produces one of their operands.

In a residual block ``y = conv(h); out = ADD(r, y)`` TFLM keeps three tensors of
the block's size alive while the convolution runs: its input ``h``, the residual
``r`` (still needed by the ADD) and the convolution's output ``y``. When ``r`` is
read by no operator between the convolution and the ADD and dies at the ADD, the
convolution can finish the ADD itself: it writes ``ADD(r[i], y[i])`` over ``r[i]``
(reading ``r[i]`` just before), so ``y`` never exists and the ADD's output takes
``r``'s bytes. Every value is the one TFLM computes: ``y[i]`` is the convolution's
int8 output, then the ADD's arithmetic runs on it exactly (see
:mod:`tinyvid.codegen.fast.add`).

This module only finds the pairs (:func:`residual_adds`); a kernel that supports
the epilogue (``LoweringContext.epilogue``) generates it and marks its call
``fused_op``; the ADD then lowers to no code (:func:`fused_call`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyvid.codegen.ops.base import KernelCall
from tinyvid.model.graph import Graph

#: operators whose specialisations may take an ADD epilogue
PRODUCERS = ("CONV_2D",)


@dataclass(frozen=True)
class Residual:
    """An ADD (at position ``add``) that the producer of its operand ``operand`` may finish:
    ``residual`` is the ADD's other input, overwritten in place."""

    add: int
    operand: int  # 0 or 1: which ADD input the producer writes
    residual: int  # tensor index of the other input


def residual_adds(graph: Graph) -> dict[int, Residual]:
    """Producer position -> the ADD it may finish, for every ADD that qualifies."""
    ops = graph.operators
    producer = {t: k for k, op in enumerate(ops) for t in op.outputs}
    readers: dict[int, list[int]] = {}
    for k, op in enumerate(ops):
        for t in op.inputs:
            readers.setdefault(t, []).append(k)
    found: dict[int, Residual] = {}
    for a, op in enumerate(ops):
        if op.opcode != "ADD" or len(op.inputs) != 2 or len(op.outputs) != 1:
            continue
        shapes = {tuple(graph.tensors[t].shape) for t in (*op.inputs, op.outputs[0])}
        if len(shapes) != 1 or op.inputs[0] == op.inputs[1]:
            continue
        best = None
        for operand in (0, 1):
            y, r = op.inputs[operand], op.inputs[1 - operand]
            k = producer.get(y)
            if k is None or ops[k].opcode not in PRODUCERS or k in found or len(ops[k].outputs) != 1:
                continue
            if readers.get(y) != [a] or y in graph.outputs:
                continue
            if _is_fixed(graph, r) or r not in producer or producer[r] >= k:
                continue
            # r is overwritten while the producer runs: nothing may read it from then on but this ADD
            if any(j >= k and j != a for j in readers.get(r, [])):
                continue
            if best is None or k > best[0]:
                best = (k, Residual(a, operand, r))
        if best is not None:
            found[best[0]] = best[1]
    return found


def _is_fixed(graph: Graph, t: int) -> bool:
    """A model input or output, or a constant: never overwritten."""
    return t in graph.inputs or t in graph.outputs or graph.tensors[t].data is not None


def fused_call(add_op, residual: Residual, producer_index: int) -> KernelCall:
    """The ADD's call once its producer finished it: no code; its output is the residual's bytes."""
    return KernelCall((), f"/* ADD done by operator {producer_index} */", alias=(add_op.outputs[0], residual.residual),
                      variant="fused")
