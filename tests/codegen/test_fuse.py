"""Residual ADDs finished by the convolution that produces an operand (tinyvid/codegen/fuse.py):
which pairs qualify, bit-exactness with tflite-micro on random residual blocks (host, under the
sanitizers, and on an emulated Cortex-M4), and the arena it saves."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tinyvid.codegen.emit import lower_and_plan
from tinyvid.codegen.fast.winograd import worthwhile
from tinyvid.codegen.fuse import residual_adds
from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.verify import verify
from tinyvid.model.reader import load_graph

from .modelbuilder import Op, T, build
from .test_fast_conv import _ACT

PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def _conv(rng, tensors, ops, x: int, cout: int, k: int, act: str) -> int:
    """A SAME stride-1 k x k CONV_2D of tensor x appended to the model; returns its output."""
    src = tensors[x]
    c = src.shape[3]
    ws = [float(v) for v in rng.uniform(0.002, 0.03, cout)]
    tensors.append(T((cout, k, k, c), "int8", ws, [0] * cout, 0, rng.integers(-127, 128, (cout, k, k, c)).astype(np.int8)))
    tensors.append(T((cout,), "int32", [float(np.float32(src.scale) * np.float32(v)) for v in ws], [0] * cout, 0,
                     rng.integers(-3000, 3000, cout).astype(np.int32)))
    tensors.append(T((1, *src.shape[1:3], cout), "int8", float(rng.uniform(0.02, 0.2)), int(rng.integers(-128, 60))))
    y = len(tensors) - 1
    ops.append(Op("CONV_2D", [x, y - 2, y - 1], [y], "Conv2DOptions",
                  dict(Padding=0, StrideW=1, StrideH=1, FusedActivationFunction=_ACT[act])))
    return y


def residual_block(rng, *, h: int, w: int, c: int, acts=("RELU", "RELU", "NONE"), add_act: str = "RELU",
                   residual_first: bool = True, tail: bool = False, late_reader: bool = False,
                   residual_is_input: bool = False, k_last: int = 3) -> bytes:
    """x -> conv -> r; r -> conv -> conv -> y; ADD(r, y) (or ADD(y, r)) [-> conv]: a ResNet block.
    ``late_reader``: r is read again after the ADD; ``residual_is_input``: r is the model input."""
    tensors = [T((1, h, w, c if residual_is_input else 3), "int8", 0.02, -10)]
    ops: list[Op] = []
    r = 0 if residual_is_input else _conv(rng, tensors, ops, 0, c, 3, acts[0])
    hdn = _conv(rng, tensors, ops, r, c, 3, acts[1])
    y = _conv(rng, tensors, ops, hdn, c, k_last, acts[2])
    tensors.append(T((1, h, w, c), "int8", float(rng.uniform(0.02, 0.2)), int(rng.integers(-128, 60))))
    out = len(tensors) - 1
    ops.append(Op("ADD", [r, y] if residual_first else [y, r], [out], "AddOptions", dict(FusedActivationFunction=_ACT[add_act])))
    if tail:
        out = _conv(rng, tensors, ops, out, 4, 1, "NONE")
    outputs = [out]
    if late_reader:
        outputs.append(_conv(rng, tensors, ops, r, 4, 1, "NONE"))
    return build(tensors, ops, [0], outputs)


def variants(model: bytes, optimize: str = "speed") -> list[str]:
    """The kernels as emitted (a fused ADD kept only where it makes the arena smaller)."""
    return [c.variant for c in lower_and_plan(load_graph(model), "model", "dsp", {"optimize": optimize})[0].calls]


# --- which ADDs qualify -----------------------------------------------------------------


def test_the_add_of_a_residual_block_is_found_for_either_operand_order():
    rng = np.random.default_rng(0)
    for first in (True, False):
        g = load_graph(residual_block(rng, h=6, w=6, c=8, residual_first=first))
        found = residual_adds(g)
        assert list(found) == [2]
        assert found[2].add == 3 and found[2].operand == (1 if first else 0)
        assert found[2].residual == g.operators[0].outputs[0]


def test_a_residual_read_after_the_producer_or_a_model_input_is_not_fused():
    rng = np.random.default_rng(1)
    assert residual_adds(load_graph(residual_block(rng, h=5, w=5, c=8, late_reader=True))) == {}
    assert residual_adds(load_graph(residual_block(rng, h=5, w=5, c=8, residual_is_input=True))) == {}
    model = residual_block(rng, h=5, w=5, c=8, late_reader=True)
    assert "fused" not in variants(model)
    assert verify(model, samples=2, measure_tflm_arena=False, target="dsp").differing_bytes == 0


def test_the_portable_target_and_the_mve_kernels_keep_the_add():
    rng = np.random.default_rng(2)
    g = load_graph(residual_block(rng, h=6, w=6, c=8))
    assert [c.variant for c in lower_graph(g, "m", "c").calls][-1] == "c"
    assert "fused" not in [c.variant for c in lower_graph(g, "m", "mve").calls]


# --- bit-exact -------------------------------------------------------------------------------


@PROPERTY
@given(seed=st.integers(0, 2**31), h=st.integers(1, 9), w=st.integers(1, 9), c=st.sampled_from([3, 4, 7, 8, 12, 16, 24]),
       k_last=st.sampled_from([1, 3, 5]), optimize=st.sampled_from(["speed", "size"]),
       acts=st.tuples(*[st.sampled_from(["NONE", "RELU", "RELU6"])] * 3), add_act=st.sampled_from(["NONE", "RELU", "RELU6"]),
       residual_first=st.booleans(), tail=st.booleans())
def test_fused_residual_blocks_match_tflm(seed, h, w, c, k_last, optimize, acts, add_act, residual_first, tail):
    """The ADD finished by each kernel that takes the epilogue: Winograd, the direct convolution
    (speed and size) and the 1x1 GEMM."""
    model = residual_block(np.random.default_rng(seed), h=h, w=w, c=c, acts=acts, add_act=add_act,
                           residual_first=residual_first, tail=tail, k_last=k_last)
    got = variants(model, optimize)[2:4]
    assert got[0].endswith("+add") and got[1] == "fused", got
    r = verify(model, samples=4, measure_tflm_arena=False, target="dsp", optimize=optimize)
    assert r.compared_bytes > 0
    assert r.differing_bytes == 0, r.to_dict()


def test_the_fused_block_takes_no_bytes_for_the_convolution_output():
    """The block's arena: input + r + the hidden tensor, and nothing for y (16x16x16 int8 each)."""
    model = residual_block(np.random.default_rng(3), h=16, w=16, c=16)
    lowered, plan = lower_and_plan(load_graph(model), "m", "dsp")
    assert plan.arena_bytes <= 2 * 16 * 16 * 16 + 16 * 16 * 3 + 64
    y = lowered.graph.operators[2].outputs[0]
    r = lowered.graph.operators[0].outputs[0]
    assert plan.offsets[y] == plan.offsets[r] == plan.offsets[lowered.graph.operators[3].outputs[0]]


def test_resnet8_arena_is_within_six_tenths_of_tflm(resnet8_model):
    """TFLM's arena_used for resnet8 on an M4 is 54,996 bytes (benchmarks/peers)."""
    lowered, plan = lower_and_plan(load_graph(resnet8_model), "m", "dsp")
    # the first block's ADD sets the peak; the others are kept apart (fewer instructions, same arena)
    assert [c.variant for c in lowered.calls].count("fused") == 1
    assert plan.arena_bytes <= 0.6 * 54_996
    everything = lower_graph(load_graph(resnet8_model), "m", "dsp")
    assert [c.variant for c in everything.calls].count("fused") == 3


@pytest.mark.emulated
def test_fused_block_on_cortex_m4_matches_tflite_micro(tmp_path):
    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.model.reference import tflm_invoke
    from tinyvid.project import generate_project

    if not (shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc")):
        pytest.skip("needs qemu-system-arm and arm-none-eabi-gcc")
    rng = np.random.default_rng(4)
    model = tmp_path / "block.tflite"
    model.write_bytes(residual_block(rng, h=7, w=9, c=16, acts=("RELU", "RELU6", "NONE"), residual_first=False, tail=True))
    assert variants(model.read_bytes())[2:4] == ["dsp-winograd+add", "fused"]
    project = generate_project(model, "qemu-mps2-an386", tmp_path / "p", model_id="ic01", conversion="int8",
                               optimize="speed")
    assert build_project(project.path).warnings == ()
    shape = (1, 7, 9, 3)
    n = int(np.prod(shape))
    inputs = [np.full(n, -128, np.int8), np.full(n, 127, np.int8), rng.integers(-128, 128, n).astype(np.int8)]
    with open_board(project=project.path, infer_timeout=60) as session:
        session.client.name()
        for x in inputs:
            session.client.tv_load(x.tobytes())
            _, got = session.client.tv_infer()
            want = tflm_invoke(model, [x.reshape(shape)])[0].reshape(-1).astype(np.int8)
            assert np.frombuffer(got, np.int8).tolist() == want.tolist()
