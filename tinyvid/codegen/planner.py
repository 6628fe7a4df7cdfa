"""Static memory plan: every run-time tensor gets an offset in one arena.

Lifetimes run from the operator that writes a tensor to the last operator that
reads it (model inputs from the start, model outputs to the end). Tensors whose
lifetimes overlap never share bytes. A RESHAPE-like output aliases its input
(same bytes, merged lifetime): tensors are written once, so sharing is safe.
An output that a kernel may write over its dying input (``overlaps``: output ->
(input, d[, exact]), see :mod:`tinyvid.codegen.overlap`) may be placed anywhere
from ``d`` bytes before that input on (``exact``: only exactly ``d`` bytes before
it, for in-place kernels that keep each byte's position), overlapping it, when the
input's buffer ends at that operator; the pair then takes ``max(out, d + in)``
bytes instead of ``out + in``.
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
    rel: dict[int, int] = field(default_factory=dict)  # member -> offset inside the buffer (absent: 0)

    def copy(self) -> "Buffer":
        return Buffer(self.root, self.size, self.first, self.last, list(self.members), rel=dict(self.rel))

    def overlaps(self, other: "Buffer") -> bool:
        return not (self.last < other.first or other.last < self.first)


@dataclass
class MemoryPlan:
    offsets: dict[int, int]  # tensor index -> byte offset in the arena
    arena_bytes: int
    buffers: list[Buffer]


def plan_memory(graph: Graph, aliases: dict[int, int], overlaps: dict[int, tuple] | None = None) -> MemoryPlan:
    """Plan the arena for ``graph``; ``aliases`` maps an output tensor to the input it may share,
    ``overlaps`` an output to (input, d): it may start ``d`` bytes before that input."""
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
    owner = {m: r for r, b in buffers.items() for m in b.members}
    # (output buffer, input buffer) -> (input offset minus output offset that is safe, only exactly that)
    pairs: dict[tuple[int, int], tuple[int, bool]] = {}
    for out, (inp, d, *exact) in (overlaps or {}).items():
        ob, ib = owner.get(out), owner.get(inp)
        if ob is None or ib is None or ob == ib:
            continue
        if buffers[ib].last == first[out] and buffers[ob].first == first[out] and out == ob:
            if exact and exact[0] and d % ALIGNMENT:
                continue
            pairs[(ob, ib)] = (_align(max(0, d)), bool(exact and exact[0]))

    orders = (
        lambda b: (-b.size, b.first, b.root),
        lambda b: (b.first, -b.size, b.root),
        lambda b: (-(b.last - b.first), -b.size, b.root),
        lambda b: (-b.size * (b.last - b.first + 1), b.root),
    )
    best = None
    strategies = ((list(buffers.values()), pairs), _merge_pairs(graph, buffers, pairs, first, last),
                  _merge_pairs(graph, buffers, pairs, first, last, chains=True))
    for merged, free_pairs in strategies:
        for key in orders:
            candidate = _place([b.copy() for b in merged], key, free_pairs)
            size = max((b.offset + b.size for b in candidate), default=0)
            if best is None or size < best[0]:
                best = (size, candidate)
    placed = best[1]
    offsets = {m: b.offset + b.rel.get(m, 0) for b in placed for m in b.members}
    arena = _align(max((b.offset + b.size for b in placed), default=0))
    return MemoryPlan(offsets=offsets, arena_bytes=arena, buffers=placed)


def _merge_pairs(graph: Graph, buffers: dict[int, Buffer], pairs: dict[tuple[int, int], tuple[int, bool]],
                 first: dict[int, int], last: dict[int, int], chains: bool = False):
    """Output buffers joined to their input buffers as one buffer (the output ``d`` bytes
    before the input), the largest savings first. Without ``chains`` a buffer takes part
    in one join at most (a chain of joins keeps its whole span reserved for its whole
    life); with them, a join is made whenever no two tensors of the joined buffers that
    share bytes are alive together (but the pair itself, at its operator). The pairs not
    joined are kept as placement constraints."""
    group = {r: r for r in buffers}  # buffer root -> root of the joined buffer holding it
    out: dict[int, Buffer] = {r: b.copy() for r, b in buffers.items()}
    joined_roots: set[int] = set()
    saving = lambda kv: buffers[kv[0][0]].size + buffers[kv[0][1]].size - max(buffers[kv[0][0]].size,
                                                                                  kv[1][0] + buffers[kv[0][1]].size)
    for (ob, ib), (d, _) in sorted(pairs.items(), key=saving, reverse=True):
        go, gi = group[ob], group[ib]
        if go == gi or saving(((ob, ib), (d, False))) <= 0:
            continue
        if not chains and (ob in joined_roots or ib in joined_roots):
            continue
        o, i = out[go], out[gi]
        # place o's buffer so that its output (relative offset ro) is d bytes before the input (ri)
        at = i.rel.get(ib, 0) - d - o.rel.get(ob, 0)
        shift = max(0, -at)
        rel = {m: i.rel.get(m, 0) + shift for m in i.members}
        rel.update({m: o.rel.get(m, 0) + at + shift for m in o.members})
        k = first[ob]
        if any(_clash(graph, m1, m2, rel, first, last, (ob, ib), k) for m1 in i.members for m2 in o.members):
            continue
        members = i.members + o.members
        size = max(rel[m] + graph.tensors[m].nbytes for m in members)
        out[gi] = Buffer(gi, size, min(o.first, i.first), max(o.last, i.last), members, rel=rel)
        del out[go]
        for r, g in group.items():
            if g == go:
                group[r] = gi
        joined_roots.update((ob, ib))
    rest = {k: v for k, v in pairs.items() if group[k[0]] != group[k[1]] and not (k[0] in joined_roots or k[1] in joined_roots)}
    return list(out.values()), rest


def _clash(graph: Graph, a: int, b: int, rel: dict[int, int], first, last, pair: tuple[int, int], k: int) -> bool:
    """Whether tensors a and b would share bytes while both are alive (the sanctioned pair excepted)."""
    if rel[a] + graph.tensors[a].nbytes <= rel[b] or rel[b] + graph.tensors[b].nbytes <= rel[a]:
        return False
    if {a, b} == set(pair):
        return not (last[pair[1]] <= k <= first[pair[0]])
    return not (last[a] < first[b] or last[b] < first[a])


def _busy(b: Buffer, p: Buffer, pairs: dict[tuple[int, int], tuple[int, bool]]) -> tuple[int, int]:
    """Bytes of the placed buffer ``p`` that ``b`` must not overlap: an interval [lo, hi) such
    that b may start at o only if o + b.size <= lo or o >= hi. (For an exact pair it is an
    ordinary conflict: :func:`_place` tries the one shared offset first.)"""
    pair = pairs.get((b.root, p.root)) or pairs.get((p.root, b.root))
    if pair is None or pair[1]:
        return p.offset, p.offset + p.size
    if (b.root, p.root) in pairs:  # b is an output that may be written over its dying input p
        d = min(pairs[(b.root, p.root)][0], b.size)
        lo = p.offset - d + b.size
        return lo, max(lo, p.offset + p.size)
    d = min(pairs[(p.root, b.root)][0], p.size)  # b is the input of the already placed output p
    return p.offset, p.offset + d


def _place(buffers: list[Buffer], key, pairs: dict[tuple[int, int], tuple[int, bool]] | None = None) -> list[Buffer]:
    order = sorted(buffers, key=key)
    placed: list[Buffer] = []
    pairs = pairs or {}
    for b in order:
        live = [p for p in placed if p.overlaps(b)]
        busy = sorted(_busy(b, p, pairs) for p in live)
        # an exact partner already placed: take the one offset it allows if nothing else is there
        exact = [(p.offset - pairs[(b.root, p.root)][0]) if (b.root, p.root) in pairs else (p.offset + pairs[(p.root, b.root)][0])
                 for p in live if pairs.get((b.root, p.root), (0, False))[1] or pairs.get((p.root, b.root), (0, False))[1]]
        others = [_busy(b, p, pairs) for p in live if not (pairs.get((b.root, p.root), (0, False))[1]
                                                           or pairs.get((p.root, b.root), (0, False))[1])]
        spot = next((o for o in exact if o >= 0 and all(o + b.size <= lo or o >= hi for lo, hi in others)), None)
        if spot is not None:
            b.offset = spot
            placed.append(b)
            continue
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
