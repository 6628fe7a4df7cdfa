"""Check a whole graph and lower each of its operators (nothing is written here)."""

from __future__ import annotations

from dataclasses import dataclass

import re

from tinyvid.codegen import fast
from tinyvid.codegen.fast.add import epilogue
from tinyvid.codegen.fuse import fused_call, residual_adds
from tinyvid.codegen.boundary import strip_float_io
from tinyvid.codegen.ops import LOWERINGS, supported_operators
from tinyvid.codegen.ops.base import ConstArray, KernelCall, LoweringContext
from tinyvid.codegen.targets import check_target
from tinyvid.errors import ModelError, UnsupportedModelError
from tinyvid.model.graph import Graph

#: where adding an operator starts (the recipe in its docstring)
NEW_OPERATOR_RECIPE = "tinyvid/codegen/ops/__init__.py"

#: the largest arena tensor the generated code indexes (int32 offsets)
MAX_TENSOR_BYTES = 1 << 30


@dataclass
class LoweredModel:
    graph: Graph
    calls: list[KernelCall]
    consts: dict[str, ConstArray]

    @property
    def aliases(self) -> dict[int, int]:
        return {c.alias[0]: c.alias[1] for c in self.calls if c.alias is not None}

    @property
    def overlaps(self) -> dict[int, tuple[int, int]]:
        """Output tensor -> (input tensor, d, exact) for the calls whose kernel may write over a dying
        input: from d bytes before it on, or (exact) only exactly d bytes before it."""
        return {op.outputs[0]: (*c.overlap, c.overlap_exact)
                for op, c in zip(self.graph.operators, self.calls) if c.overlap is not None}


def _hint() -> str:
    return ("tinyvid's C kernels cover the operators that `tinyvid compress` produces from Keras layers "
            "(Conv2D, DepthwiseConv2D, Dense, pooling, Add, ReLU, Softmax, ...): replace this operator in the model "
            "and quantize it again with `tinyvid compress MODEL`; `tinyvid inspect MODEL` lists its operators")


def lower_graph(graph: Graph, prefix: str, target: str = "c", options: dict | None = None) -> LoweredModel:
    """Lower every operator; raises before anything is written if one cannot be.

    Float inputs and outputs around an int8 graph are dropped first (see
    :mod:`tinyvid.codegen.boundary`): the result's ``graph`` is the int8 graph.
    ``target`` chooses the kernels (:mod:`tinyvid.codegen.targets`): each operator
    is lowered to its portable kernel, then replaced by a specialisation for the
    target where one applies (:mod:`tinyvid.codegen.fast`).
    """
    check_target(target)
    graph = strip_float_io(graph)
    _check_io(graph)
    supported = supported_operators()
    for op in graph.operators:
        if op.opcode not in LOWERINGS:
            raise UnsupportedModelError(
                f"operator {op.index} ({op.opcode}) is not supported by the C code generator; "
                f"supported: {', '.join(supported)}",
                "replace the layer that gives it and quantize the model again with `tinyvid compress MODEL`, or add "
                f"{op.opcode} to the code generator: a new operator starts in {NEW_OPERATOR_RECIPE} (a lowering in "
                "tinyvid/codegen/ops/, a C kernel in tinyvid/codegen/kernels/); `tinyvid inspect MODEL` lists the "
                "model's operators",
            )
    _check_order(graph)
    consts: dict[str, ConstArray] = {}
    calls = []
    residuals = residual_adds(graph) if target != "c" else {}
    if (options or {}).get("fuse") is not None:  # only these producers (positions) may finish their ADD
        residuals = {k: r for k, r in residuals.items() if k in options["fuse"]}
    done_by: dict[int, int] = {}  # ADD position -> the position of the call that computed it
    for k, op in enumerate(graph.operators):
        ctx = LoweringContext(graph, op, prefix, consts, target, options)
        try:
            if k in done_by:
                calls.append(fused_call(op, residuals[done_by[k]], graph.operators[done_by[k]].index))
                continue
            call = LOWERINGS[op.opcode](ctx)
            if k in residuals:
                r = residuals[k]
                add_op = graph.operators[r.add]
                ctx.epilogue = epilogue(LoweringContext(graph, add_op, prefix, consts, target, options), r.operand, r.residual)
            if target != "c":
                call = fast.specialise(ctx, call)
            if call.fused_op is not None:
                done_by[residuals[k].add] = k
            calls.append(call)
        except (ModelError, UnsupportedModelError):
            raise
        except (ValueError, ArithmeticError, IndexError, TypeError, OverflowError) as exc:
            raise ModelError(f"operator {op.index} ({op.opcode}): invalid parameters ({exc})", "the model is malformed") from exc
    return LoweredModel(graph, calls, _referenced(consts, calls))


def _referenced(consts: dict[str, ConstArray], calls: list[KernelCall]) -> dict[str, ConstArray]:
    """The constants some call or its code uses (a specialisation may replace the portable ones)."""
    words = set()
    for c in calls:
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", c.call + "\n" + c.code))
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", " ".join(str(v) for _, v in c.params)))
    return {name: c for name, c in consts.items() if name in words}


def _check_io(graph: Graph) -> None:
    if not graph.inputs or not graph.outputs:
        raise ModelError("the model declares no inputs or no outputs", "re-export it with the TFLite converter")
    for role, indices in (("input", graph.inputs), ("output", graph.outputs)):
        for k, i in enumerate(indices):
            t = graph.tensors[i]
            if t.dtype != "int8":
                kind = "a float model" if t.dtype.startswith("float") else f"{t.dtype} activations"
                raise UnsupportedModelError(
                    f"model {role} {k} ('{t.name}') is {t.dtype}: this is {kind}; the C code generator needs int8 inputs and outputs",
                    "quantize the model to full int8 (int8 input and output) with `tinyvid compress MODEL --data SOURCE` "
                    "(MODEL: .keras, .h5, SavedModel or float .tflite)",
                )
            if t.quantization is None or len(t.quantization.scales) != 1:
                raise UnsupportedModelError(f"model {role} {k} ('{t.name}') has no per-tensor quantization", "quantize the model to full int8")
            if t.data is not None:
                raise ModelError(f"model {role} {k} ('{t.name}') is a constant", "re-export the model")
    for t in graph.tensors:
        if t.is_variable:
            raise UnsupportedModelError(f"tensor '{t.name}' is a variable (stateful model)", _hint())
        if t.data is None and t.nbytes > MAX_TENSOR_BYTES:
            raise ModelError(f"tensor '{t.name}' of shape {list(t.shape)} is too large", "check the model")


def _check_order(graph: Graph) -> None:
    ready = set(graph.inputs)
    for op in graph.operators:
        for i in op.inputs:
            if i < 0:
                continue
            t = graph.tensors[i]
            if t.data is None and i not in ready:
                raise ModelError(
                    f"operator {op.index} ({op.opcode}) reads tensor '{t.name}' before any operator computes it",
                    "the model is malformed; re-export it with the TFLite converter",
                )
        for i in op.outputs:
            if i in ready or graph.tensors[i].data is not None:
                raise ModelError(f"operator {op.index} ({op.opcode}) writes tensor {i}, which is already defined", "the model is malformed")
            ready.add(i)
    for i in graph.outputs:
        if i not in ready and graph.tensors[i].data is None:
            raise ModelError(f"model output tensor {i} is never computed", "the model is malformed")
