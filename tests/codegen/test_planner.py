"""The static memory plan: no two live tensors overlap; reshapes alias their input."""

from __future__ import annotations

from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.planner import ALIGNMENT, plan_memory
from tinyvid.model.reader import load_graph


def _live_ranges(graph):
    n = len(graph.operators)
    first, last = {}, {}
    for k, op in enumerate(graph.operators):
        for i in (*op.inputs, *op.outputs):
            if i >= 0 and graph.tensors[i].data is None:
                first.setdefault(i, k)
                last[i] = k
    for i in graph.inputs:
        first[i] = -1
    for i in graph.outputs:
        last[i] = n
    return first, last


def test_live_tensors_never_overlap_in_the_arena(vww_model, resnet8_model):
    for model in (vww_model, resnet8_model):
        g = load_graph(model)
        lowered = lower_graph(g, "m")
        plan = plan_memory(g, lowered.aliases)
        first, last = _live_ranges(g)
        alias_of = lowered.aliases
        tensors = sorted(plan.offsets)
        for a in tensors:
            assert plan.offsets[a] % ALIGNMENT == 0
            assert plan.offsets[a] + g.tensors[a].nbytes <= plan.arena_bytes
            for b in tensors:
                if a >= b or alias_of.get(a) == b or alias_of.get(b) == a:
                    continue
                lives_together = not (last[a] < first[b] or last[b] < first[a])
                apart = plan.offsets[a] + g.tensors[a].nbytes <= plan.offsets[b] or plan.offsets[b] + g.tensors[b].nbytes <= plan.offsets[a]
                assert apart or not lives_together, (model.name, a, b)


def test_reshape_output_shares_its_input_bytes(resnet8_model):
    g = load_graph(resnet8_model)
    lowered = lower_graph(g, "m")
    plan = plan_memory(g, lowered.aliases)
    reshape = next(op for op in g.operators if op.opcode == "RESHAPE")
    assert plan.offsets[reshape.outputs[0]] == plan.offsets[reshape.inputs[0]]


def test_arena_is_at_least_the_largest_working_set(vww_model):
    g = load_graph(vww_model)
    plan = plan_memory(g, lower_graph(g, "m").aliases)
    biggest = max(sum(g.tensors[i].nbytes for i in (*op.inputs, *op.outputs) if i >= 0 and g.tensors[i].data is None) for op in g.operators)
    assert biggest <= plan.arena_bytes < 2 * biggest
