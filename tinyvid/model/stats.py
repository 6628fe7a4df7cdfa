"""Per-layer statistics of a graph: shapes, parameters, MACs, activation bytes.

MAC convention (multiply-accumulates of one inference, batch included):

* CONV_2D: ``out_h * out_w * out_c * k_h * k_w * in_c / groups``
* DEPTHWISE_CONV_2D: ``out_h * out_w * out_c * k_h * k_w``
* FULLY_CONNECTED: ``batch * in_features * out_features``
* TRANSPOSE_CONV: ``in_h * in_w * in_c * k_h * k_w * out_c``
* BATCH_MATMUL: ``batch * m * k * n``
* everything else (pooling, elementwise, activations, softmax, reshapes): 0 MACs.
  Pooling and elementwise operators do additions or comparisons, not
  multiply-accumulates; this is the convention behind the published totals of
  MobileNet (and the MLPerf Tiny models).

Parameters are the elements of the constant inputs (weights and biases) of an
operator, not counting integer index tensors such as a RESHAPE's new shape.
Activation bytes are the bytes of an operator's non-constant inputs plus its outputs:
the working set it needs in RAM at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from tinyvid.model.graph import Graph, Operator

_WEIGHTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "BATCH_MATMUL", "CONV_3D"}
_INDEX_TYPES = {"int32", "int64"}


@dataclass
class LayerStats:
    index: int
    op: str
    input_shapes: list[list[int]]
    output_shapes: list[list[int]]
    params: int
    param_bytes: int
    macs: int
    activation_bytes: int


@dataclass
class ModelStats:
    model: str
    sha256: str
    layers: list[LayerStats] = field(default_factory=list)
    total_params: int = 0
    total_param_bytes: int = 0
    total_macs: int = 0
    peak_activation_bytes: int = 0
    input_shapes: list[list[int]] = field(default_factory=list)
    output_shapes: list[list[int]] = field(default_factory=list)
    input_dtypes: list[str] = field(default_factory=list)
    model_bytes: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _prod(xs) -> int:
    n = 1
    for x in xs:
        n *= int(x)
    return n


def operator_macs(graph: Graph, op: Operator) -> int:
    """Multiply-accumulates of one operator (see the module's convention)."""
    t = graph.tensors
    ins = [t[i] if i >= 0 else None for i in op.inputs]
    outs = [t[i] for i in op.outputs]
    if not outs or not ins or ins[0] is None:
        return 0
    out = outs[0].shape
    try:
        if op.opcode == "CONV_2D":
            w = ins[1].shape  # [out_c, k_h, k_w, in_c / groups]
            return _prod(out) * w[1] * w[2] * w[3]
        if op.opcode == "DEPTHWISE_CONV_2D":
            w = ins[1].shape  # [1, k_h, k_w, out_c]
            return _prod(out) * w[1] * w[2]
        if op.opcode == "FULLY_CONNECTED":
            w = ins[1].shape  # [units, in_features]
            return _prod(out) * w[-1]
        if op.opcode == "TRANSPOSE_CONV":
            w = ins[1].shape  # [out_c, k_h, k_w, in_c]
            x = ins[2].shape
            return _prod(x) * w[0] * w[1] * w[2]
        if op.opcode == "CONV_3D":
            w = ins[1].shape  # [k_d, k_h, k_w, in_c, out_c]
            return _prod(out) * w[0] * w[1] * w[2] * w[3]
        if op.opcode == "BATCH_MATMUL":
            return _prod(out) * ins[0].shape[-1]
    except (IndexError, AttributeError):
        return 0
    return 0


def _is_param(opcode: str, tensor) -> bool:
    if tensor is None or not tensor.is_constant:
        return False
    return opcode in _WEIGHTED or tensor.dtype not in _INDEX_TYPES


def layer_stats(graph: Graph, op: Operator) -> LayerStats:
    t = graph.tensors
    ins = [t[i] if i >= 0 else None for i in op.inputs]
    outs = [t[i] for i in op.outputs]
    params = [x for x in ins if _is_param(op.opcode, x)]
    activations = [x for x in ins if x is not None and not x.is_constant]
    return LayerStats(
        index=op.index,
        op=op.opcode,
        input_shapes=[list(x.shape) for x in activations],
        output_shapes=[list(x.shape) for x in outs],
        params=sum(x.size for x in params),
        param_bytes=sum(x.nbytes for x in params),
        macs=operator_macs(graph, op),
        activation_bytes=sum(x.nbytes for x in activations) + sum(x.nbytes for x in outs),
    )


def model_stats(graph: Graph) -> ModelStats:
    """The per-layer table and totals of a graph."""
    layers = [layer_stats(graph, op) for op in graph.operators]
    # Count every constant tensor once even if several operators share it.
    seen: set[int] = set()
    total_params = total_bytes = 0
    for op in graph.operators:
        for i in op.inputs:
            if i >= 0 and i not in seen and _is_param(op.opcode, graph.tensors[i]):
                seen.add(i)
                total_params += graph.tensors[i].size
                total_bytes += graph.tensors[i].nbytes
    return ModelStats(
        model=graph.source_name,
        sha256=graph.sha256,
        layers=layers,
        total_params=total_params,
        total_param_bytes=total_bytes,
        total_macs=sum(layer.macs for layer in layers),
        peak_activation_bytes=max((layer.activation_bytes for layer in layers), default=0),
        input_shapes=[list(x.shape) for x in graph.input_tensors()],
        output_shapes=[list(x.shape) for x in graph.output_tensors()],
        input_dtypes=[x.dtype for x in graph.input_tensors()],
        model_bytes=len(graph.model_bytes),
    )
