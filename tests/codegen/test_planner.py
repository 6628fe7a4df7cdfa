"""The static memory plan: no two live tensors overlap; reshapes alias their input."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

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


def _run_windowed(buf: bytearray, in_at: int, out_at: int, ih, iw, c, oh, ow, oc, k, stride, pad, dil, block):
    """A kernel as the generated ones walk their output: blocks of pixels in row-major order,
    each block's windows read before its pixels are written."""
    n = oh * ow
    for start in range(0, n, block):
        sums = []
        for p in range(start, min(n, start + block)):
            r, x = divmod(p, ow)
            acc = 0
            for ky in range(k):
                for kx in range(k):
                    y, xx = r * stride[0] - pad[0] + ky * dil, x * stride[1] - pad[1] + kx * dil
                    if 0 <= y < ih and 0 <= xx < iw:
                        for ch in range(c):
                            acc = (acc * 31 + buf[in_at + (y * iw + xx) * c + ch] + ky) % 251
            sums.append(acc)
        for j, acc in enumerate(sums):
            for ch in range(oc):
                buf[out_at + (start + j) * oc + ch] = (acc + ch) % 256


@settings(max_examples=60, deadline=None, derandomize=True)
@given(ih=st.integers(1, 7), iw=st.integers(1, 7), c=st.integers(1, 4), oc=st.integers(1, 6), k=st.integers(1, 3),
       s=st.integers(1, 2), dil=st.integers(1, 2), pad=st.integers(0, 2), block=st.integers(1, 3))
def test_an_output_placed_d_bytes_before_its_input_computes_the_same_values(ih, iw, c, oc, k, s, dil, pad, block):
    from tinyvid.codegen.overlap import pixel_order_delta

    assume(pad < k * dil)
    oh, ow = (ih + 2 * pad - dil * (k - 1) - 1) // s + 1, (iw + 2 * pad - dil * (k - 1) - 1) // s + 1
    assume(oh >= 1 and ow >= 1)
    data = bytes((i * 37 + 11) % 256 for i in range(ih * iw * c))
    out_bytes = oh * ow * oc
    apart = bytearray(out_bytes) + bytearray(data)
    _run_windowed(apart, out_bytes, 0, ih, iw, c, oh, ow, oc, k, (s, s), (pad, pad), dil, block)
    d = pixel_order_delta((ih, iw), c, (oh, ow), oc, (s, s), (pad, pad), block)
    shared = bytearray(max(out_bytes, d + len(data)))
    shared[d:d + len(data)] = data
    _run_windowed(shared, d, 0, ih, iw, c, oh, ow, oc, k, (s, s), (pad, pad), dil, block)
    assert shared[:out_bytes] == apart[:out_bytes]


def test_overlapped_pairs_keep_their_distance_and_other_live_tensors_stay_apart(vww_model, resnet8_model):
    for model in (vww_model, resnet8_model):
        for target in ("c", "dsp"):
            lowered = lower_graph(load_graph(model), "m", target)
            g = lowered.graph
            plan = plan_memory(g, lowered.aliases, lowered.overlaps)
            first, last = _live_ranges(g)
            sanctioned = {(o, i): (d, exact) for o, (i, d, exact) in lowered.overlaps.items()}
            def root(t):
                while t in lowered.aliases:
                    t = lowered.aliases[t]
                return t

            for a in plan.offsets:
                for b in plan.offsets:
                    if a >= b or root(a) == root(b):  # one tensor's bytes (an alias, a fused ADD)
                        continue
                    oa, ob = plan.offsets[a], plan.offsets[b]
                    apart = oa + g.tensors[a].nbytes <= ob or ob + g.tensors[b].nbytes <= oa
                    if apart or last[a] < first[b] or last[b] < first[a]:
                        continue
                    pair = (a, b) if (a, b) in sanctioned else (b, a)
                    assert pair in sanctioned, (model.name, target, a, b)
                    out, inp = pair
                    d, exact = sanctioned[pair]
                    distance = plan.offsets[inp] - plan.offsets[out]
                    assert distance == d if exact else distance >= d, (model.name, target, pair)


def test_overlaps_bring_the_arena_below_six_tenths_of_tflms(vww_model, resnet8_model):
    from tinyvid.model.reference import tflm_arena_bytes

    for model in (vww_model, resnet8_model):
        g = load_graph(model)
        lowered = lower_graph(g, "m")
        with_overlaps = plan_memory(lowered.graph, lowered.aliases, lowered.overlaps).arena_bytes
        without = plan_memory(lowered.graph, lowered.aliases).arena_bytes
        assert with_overlaps < without
        assert with_overlaps <= 0.6 * tflm_arena_bytes(g.model_bytes), model.name
