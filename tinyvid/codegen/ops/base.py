"""What an operator lowering gets (:class:`LoweringContext`) and returns (:class:`KernelCall`).

A lowering checks one operator of the graph, computes its constants exactly as
TFLite Micro's Prepare step would, and describes the C call that runs it. It
writes nothing: the emitter turns the calls into files only after every operator
of the model has lowered (so an unsupported operator stops the run before any
file exists).

In the ``call`` text, ``@T<i>@`` stands for the arena pointer of tensor ``i``
(resolved after memory planning), ``@P@`` for the address of this operator's
parameter struct, and constant arrays are referred to by the names
:meth:`LoweringContext.const` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinyvid.errors import ModelError, UnsupportedModelError
from tinyvid.model.graph import Graph, Operator, Tensor

_CTYPES = {np.dtype(np.int8): "int8_t", np.dtype(np.int32): "int32_t", np.dtype(np.uint8): "uint8_t", np.dtype(np.int16): "int16_t"}


@dataclass
class ConstArray:
    name: str
    data: np.ndarray  # 1-D, dtype int8/int32/...

    @property
    def ctype(self) -> str:
        return _CTYPES[self.data.dtype]

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)


@dataclass
class KernelCall:
    """The C that runs one operator."""

    kernels: tuple[str, ...]  # kernel file stems (tv_<stem>.c/.h) this call needs
    call: str  # C statement(s); see the module docstring for placeholders
    params_type: str | None = None
    params: list[tuple[str, object]] = field(default_factory=list)  # designated initializers, in order
    alias: tuple[int, int] | None = None  # (output, input): output may share the input's bytes
    returns_status: bool = False  # the call is an int expression: non-zero is a failure
    overlap: tuple[int, int] | None = None  # (input, d): the output may start d bytes before that input (overlap.py)
    overlap_exact: bool = False  # ... exactly d bytes before it, not more (in-place kernels that keep positions)
    code: str = ""  # C definitions this call needs (static functions), placed before <prefix>_invoke
    variant: str = "c"  # which kernel runs it: "c" (portable) or the name of a specialisation
    fused_op: int | None = None  # the ADD (operator index) this call also computes (tinyvid.codegen.fuse)


class LoweringContext:
    """Access to the graph for one operator, plus the constant arrays it emits."""

    def __init__(self, graph: Graph, op: Operator, prefix: str, consts: dict[str, ConstArray], target: str = "c",
                 options: dict | None = None):
        self.graph = graph
        self.op = op
        self.prefix = prefix
        self.target = target  # see tinyvid.codegen.targets
        self.codegen_options = options or {}  # e.g. {"optimize": "speed"}
        self.epilogue = None  # an ADD this operator's kernel may finish (tinyvid.codegen.fast.add.Epilogue)
        self._consts = consts

    # --- errors -----------------------------------------------------------------
    def where(self) -> str:
        return f"operator {self.op.index} ({self.op.opcode})"

    def fail(self, message: str) -> ModelError:
        return ModelError(f"{self.where()}: {message}", "the model is malformed; re-export it with the TFLite converter")

    def unsupported(self, message: str) -> UnsupportedModelError:
        return UnsupportedModelError(
            f"{self.where()}: {message}",
            "tinyvid's C code generator handles full-int8 models (int8 activations, int8 weights, int32 biases): "
            "quantize the float model with `tinyvid compress MODEL --data SOURCE`, or replace the layer that "
            "gives this operator (`tinyvid inspect MODEL` lists the operators)",
        )

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            raise self.fail(message)

    # --- tensors ----------------------------------------------------------------
    def n_inputs(self, lo: int, hi: int | None = None) -> None:
        n = len(self.op.inputs)
        hi = lo if hi is None else hi
        self.check(lo <= n <= hi and len(self.op.outputs) >= 1, f"has {n} inputs, expected {lo}..{hi}")

    def tensor(self, index: int) -> Tensor:
        return self.graph.tensors[index]

    def input(self, k: int) -> Tensor | None:
        if k >= len(self.op.inputs) or self.op.inputs[k] < 0:
            return None
        return self.graph.tensors[self.op.inputs[k]]

    def output(self, k: int = 0) -> Tensor:
        return self.graph.tensors[self.op.outputs[k]]

    def activation(self, t: Tensor | None, role: str) -> Tensor:
        """An int8 per-tensor quantized tensor computed at run time (or a constant used as one)."""
        if t is None:
            raise self.fail(f"the {role} tensor is missing")
        if t.dtype != "int8":
            raise self.unsupported(f"the {role} tensor '{t.name}' is {t.dtype}; only int8 activations are supported")
        q = t.quantization
        if q is None:
            raise self.unsupported(f"the {role} tensor '{t.name}' has no quantization parameters")
        if len(q.scales) != 1:
            raise self.unsupported(f"the {role} tensor '{t.name}' is quantized per channel")
        if not (np.isfinite(q.scales[0]) and q.scales[0] > 0):
            raise self.fail(f"the {role} tensor '{t.name}' has an invalid scale {q.scales[0]}")
        if not -128 <= q.zero_point <= 127:
            raise self.fail(f"the {role} tensor '{t.name}' has zero point {q.zero_point} outside int8")
        return t

    def constant(self, t: Tensor | None, role: str) -> Tensor:
        """A tensor whose values are in the model (weights, axes, paddings)."""
        if t is None or t.data is None:
            raise self.unsupported(f"the {role} must be a constant tensor")
        return t

    def weights(self, t: Tensor | None, role: str = "filter") -> Tensor:
        self.constant(t, role)
        if t.dtype != "int8":
            raise self.unsupported(f"the {role} '{t.name}' is {t.dtype}; only int8 weights are supported")
        q = t.quantization
        if q is None:
            raise self.unsupported(f"the {role} '{t.name}' has no quantization parameters")
        if not np.all(np.isfinite(q.scales)) or np.any(q.scales <= 0):
            raise self.fail(f"the {role} '{t.name}' has invalid scales")
        return t

    def bias(self, t: Tensor | None, channels: int) -> Tensor | None:
        if t is None:
            return None
        if t.data is None:
            raise self.unsupported("the bias must be a constant tensor")
        if t.dtype != "int32":
            raise self.unsupported(f"the bias '{t.name}' is {t.dtype}; only int32 biases are supported")
        self.check(t.size == channels, f"the bias has {t.size} values for {channels} output channels")
        return t

    def per_channel_scales(self, w: Tensor, channels: int, axis: int) -> np.ndarray:
        q = w.quantization
        if len(q.scales) == 1:
            return np.full(channels, q.scales[0], np.float32)
        self.check(
            len(q.scales) == channels and q.quantized_dimension == axis,
            f"the filter has {len(q.scales)} scales along dimension {q.quantized_dimension}, expected {channels} along {axis}",
        )
        return np.asarray(q.scales, np.float32)

    def options(self, key: str, default=None):
        return self.op.options.get(key, default)

    def activation_function(self) -> str:
        act = self.op.options.get("fused_activation_function", "NONE")
        if act not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            raise self.unsupported(f"fused activation {act} is not supported")
        return act

    def positive(self, key: str, default: int = 1) -> int:
        v = int(self.op.options.get(key, default))
        self.check(1 <= v <= 1 << 16, f"option {key} = {v} is out of range")
        return v

    def padding(self) -> str:
        p = self.op.options.get("padding", "SAME")
        self.check(p in ("SAME", "VALID"), f"unknown padding {p}")
        return p

    # --- emitted data -----------------------------------------------------------
    def ptr(self, t: Tensor) -> str:
        """C expression of a tensor's data: arena pointer, or the weights array of a constant."""
        if t.data is not None:
            return self.const(f"t{t.index}", t.data.reshape(-1))
        return f"@T{t.index}@"

    def const(self, hint: str, data: np.ndarray) -> str:
        name = f"{self.prefix}_{hint}"
        if name not in self._consts:
            self._consts[name] = ConstArray(name, np.ascontiguousarray(data).reshape(-1))
        return name

    def op_const(self, what: str, data: np.ndarray) -> str:
        return self.const(f"op{self.op.index}_{what}", data)


def shape_nhwc(ctx: LoweringContext, t: Tensor, role: str) -> tuple[int, int, int, int]:
    ctx.check(len(t.shape) == 4, f"the {role} must have rank 4 (NHWC), got shape {list(t.shape)}")
    return tuple(int(d) for d in t.shape)  # type: ignore[return-value]
