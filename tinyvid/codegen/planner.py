"""Static memory plan: every run-time tensor gets an offset in one arena.

Lifetimes run from the operator that writes a tensor to the last operator that
reads it (model inputs from the start, model outputs to the end). Tensors whose
lifetimes overlap never share bytes. A RESHAPE-like output aliases its input
(same bytes, merged lifetime): tensors are written once, so sharing is safe.
Buffers are placed one by one, each at the best-fitting gap among the buffers
already placed that are alive at the same time; several placement orders are tried
(largest first, as TFLM's greedy planner; earliest first; longest-lived first) and
the smallest arena wins. Offsets are aligned to :data:`ALIGNMENT` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinyvid.model.graph import Graph

ALIGNMENT = 16


def _align(n: int) -> int:
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


@dataclass
class Buffer:
    root: int  # tensor index owning the bytes
    size: int
    first: int  # first operator index that needs it (-1: before the first operator)
    last: int  # last operator index that needs it
    members: list[int] = field(default_factory=list)
    offset: int = -1

    def overlaps(self, other: "Buffer") -> bool:
        return not (self.last < other.first or other.last < self.first)


@dataclass
class MemoryPlan:
    offsets: dict[int, int]  # tensor index -> byte offset in the arena
    arena_bytes: int
    buffers: list[Buffer]


def plan_memory(graph: Graph, aliases: dict[int, int]) -> MemoryPlan:
    """Plan the arena for ``graph``; ``aliases`` maps an output tensor to the input it may share."""
    n_ops = len(graph.operators)
    runtime = set()
    for op in graph.operators:
        for i in (*op.inputs, *op.outputs):
            if i >= 0 and graph.tensors[i].data is None:
                runtime.add(i)
    runtime.update(i for i in graph.inputs)
    runtime.update(i for i in graph.outputs if graph.tensors[i].data is None)

    def root(i: int) -> int:
        seen = 0
        while i in aliases and seen < len(aliases) + 1:
            i = aliases[i]
            seen += 1
        return i

    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i in runtime:
        first[i] = -1 if i in graph.inputs else n_ops
        last[i] = n_ops if i in graph.outputs else -1
    for k, op in enumerate(graph.operators):
        for i in op.outputs:
            if i in runtime:
                first[i] = min(first[i], k)
                last[i] = max(last[i], k)
        for i in op.inputs:
            if i in runtime:
                last[i] = max(last[i], k)
                first[i] = min(first[i], k)

    buffers: dict[int, Buffer] = {}
    for i in sorted(runtime):
        r = root(i)
        b = buffers.setdefault(r, Buffer(root=r, size=0, first=first[i], last=last[i]))
        b.members.append(i)
        b.size = max(b.size, graph.tensors[i].nbytes)
        b.first = min(b.first, first[i])
        b.last = max(b.last, last[i])

    orders = (
        lambda b: (-b.size, b.first, b.root),
        lambda b: (b.first, -b.size, b.root),
        lambda b: (-(b.last - b.first), -b.size, b.root),
        lambda b: (-b.size * (b.last - b.first + 1), b.root),
    )
    best = None
    for key in orders:
        candidate = _place([Buffer(b.root, b.size, b.first, b.last, list(b.members)) for b in buffers.values()], key)
        size = max((b.offset + b.size for b in candidate), default=0)
        if best is None or size < best[0]:
            best = (size, candidate)
    placed = best[1]
    offsets = {m: b.offset for b in placed for m in b.members}
    arena = _align(max((b.offset + b.size for b in placed), default=0))
    return MemoryPlan(offsets=offsets, arena_bytes=arena, buffers=placed)


def _place(buffers: list[Buffer], key) -> list[Buffer]:
    order = sorted(buffers, key=key)
    placed: list[Buffer] = []
    for b in order:
        busy = sorted((p.offset, p.offset + p.size) for p in placed if p.overlaps(b))
        best = None  # (gap size, offset)
        cursor = 0
        for start, end in busy:
            if start - cursor >= b.size:
                gap = start - cursor
                if best is None or gap < best[0]:
                    best = (gap, cursor)
            cursor = max(cursor, _align(end))
        b.offset = best[1] if best is not None else cursor
        placed.append(b)
    return placed
