"""Read a ``.tflite`` flatbuffer into the graph IR with the maintained ``tflite`` bindings.

Garbage, truncated or mutated files must never crash the process: every access to
the flatbuffer goes through :func:`_guard`, which turns whatever the bindings raise
into a :class:`~tinyvid.errors.ModelError`, and every vector length is checked
against the file size before it is iterated.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from tinyvid.errors import ModelError
from tinyvid.model.graph import NUMPY_DTYPES, Graph, Operator, Quantization, Tensor

_IDENTIFIER = b"TFL3"
_HINT = "pass an int8 or float .tflite written by the TensorFlow Lite converter"


def _enum_names(cls) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def _tflite():
    import tflite

    return tflite


def _names():
    tfl = _tflite()
    return (
        _enum_names(tfl.BuiltinOperator),
        _enum_names(tfl.TensorType),
        _enum_names(tfl.BuiltinOptions),
        _enum_names(tfl.BuiltinOptions2),
    )


class _Corrupt(Exception):
    """Raised inside the reader for a structural problem; becomes a ModelError."""


def _guard(what: str, fn, *args):
    try:
        return fn(*args)
    except _Corrupt:
        raise
    except Exception as exc:  # the bindings raise anything on garbage
        raise _Corrupt(f"{what}: {type(exc).__name__}: {exc}") from exc


def _length(what: str, fn, buf_len: int, elem_bytes: int = 4) -> int:
    n = _guard(what, fn)
    if not isinstance(n, int) or n < 0 or n * elem_bytes > buf_len:
        raise _Corrupt(f"{what} has an impossible length {n}")
    return n


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", name)
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


_PADDING = {0: "SAME", 1: "VALID"}
_ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}


def _decode_options(table, class_name: str, buf_len: int) -> dict:
    """Decode a builtin options table generically: every scalar field, every vector."""
    tfl = _tflite()
    cls = getattr(tfl, class_name, None)
    if cls is None or table is None:
        return {}
    obj = cls()
    _guard("builtin options", obj.Init, table.Bytes, table.Pos)
    out: dict = {}
    methods = [m for m in dir(cls) if m[:1].isupper() and not m.startswith(("GetRootAs", "Init"))]
    for m in methods:
        if m.endswith(("Length", "IsNone", "AsNumpy")) or "BufferHasIdentifier" in m:
            continue
        fn = getattr(obj, m)
        key = _snake(m)
        if hasattr(obj, m + "Length"):
            n = _length(f"option {m}", getattr(obj, m + "Length"), buf_len, 1)
            out[key] = [_guard(f"option {m}", fn, j) for j in range(n)]
            continue
        try:
            value = _guard(f"option {m}", fn)
        except _Corrupt:
            raise
        if isinstance(value, (int, float, bool, bytes)):
            out[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if "padding" in out:
        out["padding"] = _PADDING.get(out["padding"], f"UNKNOWN({out['padding']})")
    if "fused_activation_function" in out:
        fa = out["fused_activation_function"]
        out["fused_activation_function"] = _ACTIVATION.get(fa, f"UNKNOWN({fa})")
    return out


def _read_quantization(q, buf_len: int) -> Quantization | None:
    if q is None:
        return None
    ns = _length("quantization scales", q.ScaleLength, buf_len)
    nz = _length("quantization zero points", q.ZeroPointLength, buf_len, 8)
    if ns == 0:
        return None
    scales = np.asarray(_guard("quantization scales", q.ScaleAsNumpy), dtype=np.float32)
    zps = np.asarray(_guard("quantization zero points", q.ZeroPointAsNumpy), dtype=np.int64) if nz else np.zeros(ns, np.int64)
    if len(zps) != len(scales):
        if len(zps) == 1:
            zps = np.full(len(scales), zps[0], np.int64)
        else:
            raise _Corrupt(f"{len(scales)} quantization scales but {len(zps)} zero points")
    qdim = int(_guard("quantized dimension", q.QuantizedDimension))
    return Quantization(scales=scales, zero_points=zps, quantized_dimension=qdim)


def _read_buffer(model, index: int, n_buffers: int, data: bytes, buf_len: int) -> np.ndarray | None:
    if index == 0 or index >= n_buffers:
        if index >= n_buffers:
            raise _Corrupt(f"buffer index {index} out of range (model has {n_buffers} buffers)")
        return None
    b = _guard("buffer", model.Buffers, index)
    if b is None:
        return None
    offset = int(_guard("buffer offset", b.Offset))
    if offset > 1:  # large models keep data outside the flatbuffer
        size = int(_guard("buffer size", b.Size))
        if offset + size > buf_len:
            raise _Corrupt(f"buffer {index} lies past the end of the file")
        return np.frombuffer(data, np.uint8, count=size, offset=offset) if size else None
    n = _length("buffer data", b.DataLength, buf_len, 1)
    if n == 0:
        return None
    return np.asarray(_guard("buffer data", b.DataAsNumpy), dtype=np.uint8)


def _read_tensor(model, t, index: int, n_buffers: int, data: bytes, type_names) -> Tensor:
    buf_len = len(data)
    ndim = _length("tensor shape", t.ShapeLength, buf_len)
    shape = tuple(int(x) for x in _guard("tensor shape", t.ShapeAsNumpy)) if ndim else ()
    if any(d < 0 for d in shape):
        raise _Corrupt(f"tensor {index} has a negative dimension in shape {shape}")
    tcode = int(_guard("tensor type", t.Type))
    dtype = type_names.get(tcode, f"type{tcode}").lower()
    raw_name = _guard("tensor name", t.Name)
    name = raw_name.decode("utf-8", "replace") if raw_name else f"tensor_{index}"
    quant = _read_quantization(_guard("tensor quantization", t.Quantization), buf_len)
    raw = _read_buffer(model, int(_guard("tensor buffer", t.Buffer)), n_buffers, data, buf_len)
    array = None
    if raw is not None:
        np_type = NUMPY_DTYPES.get(dtype)
        if np_type is None:
            array = raw.copy()
        else:
            count = 1
            for d in shape:
                count *= d
            itemsize = np.dtype(np_type).itemsize
            if raw.size != count * itemsize:
                raise _Corrupt(
                    f"tensor {index} ({name}) holds {raw.size} bytes but shape {list(shape)} of {dtype} needs {count * itemsize}"
                )
            array = raw.view(np_type).reshape(shape).copy()
    return Tensor(
        index=index,
        name=name,
        shape=shape,
        dtype=dtype,
        quantization=quant,
        data=array,
        is_variable=bool(_guard("tensor is_variable", t.IsVariable)),
    )


def _index_list(what: str, fn_len, fn_np, buf_len: int, n_tensors: int, allow_optional: bool) -> tuple[int, ...]:
    n = _length(what, fn_len, buf_len)
    if n == 0:
        return ()
    values = tuple(int(x) for x in _guard(what, fn_np))
    for v in values:
        if v >= n_tensors or v < (-1 if allow_optional else 0):
            raise _Corrupt(f"{what} refers to tensor {v}, but the subgraph has {n_tensors} tensors")
    return values


def _parse(data: bytes) -> Graph:
    tfl = _tflite()
    op_names, type_names, opt_names, opt2_names = _names()
    buf_len = len(data)
    model = _guard("model root", tfl.Model.GetRootAs, data, 0)
    n_sub = _length("subgraphs", model.SubgraphsLength, buf_len)
    if n_sub == 0:
        raise _Corrupt("the model has no subgraph")
    n_codes = _length("operator codes", model.OperatorCodesLength, buf_len)
    n_buffers = _length("buffers", model.BuffersLength, buf_len)
    codes = []
    for i in range(n_codes):
        oc = _guard("operator code", model.OperatorCodes, i)
        builtin = max(int(_guard("builtin code", oc.BuiltinCode)), int(_guard("deprecated builtin code", oc.DeprecatedBuiltinCode)))
        custom = _guard("custom code", oc.CustomCode)
        custom = custom.decode("utf-8", "replace") if custom else None
        name = op_names.get(builtin, f"BUILTIN_{builtin}")
        if name == "CUSTOM" and custom:
            name = f"CUSTOM({custom})"
        codes.append((name, int(_guard("operator version", oc.Version)), custom))
    sg = _guard("subgraph 0", model.Subgraphs, 0)
    n_tensors = _length("tensors", sg.TensorsLength, buf_len)
    tensors = [
        _read_tensor(model, _guard("tensor", sg.Tensors, i), i, n_buffers, data, type_names) for i in range(n_tensors)
    ]
    inputs = _index_list("subgraph inputs", sg.InputsLength, sg.InputsAsNumpy, buf_len, n_tensors, False)
    outputs = _index_list("subgraph outputs", sg.OutputsLength, sg.OutputsAsNumpy, buf_len, n_tensors, False)
    n_ops = _length("operators", sg.OperatorsLength, buf_len)
    operators = []
    for i in range(n_ops):
        op = _guard("operator", sg.Operators, i)
        ci = int(_guard("operator code index", op.OpcodeIndex))
        if not 0 <= ci < n_codes:
            raise _Corrupt(f"operator {i} uses operator code {ci}, but the model has {n_codes}")
        name, version, custom = codes[ci]
        ins = _index_list(f"inputs of operator {i}", op.InputsLength, op.InputsAsNumpy, buf_len, n_tensors, True)
        outs = _index_list(f"outputs of operator {i}", op.OutputsLength, op.OutputsAsNumpy, buf_len, n_tensors, False)
        options: dict = {}
        otype = int(_guard("options type", op.BuiltinOptionsType))
        if otype:
            options = _decode_options(_guard("options", op.BuiltinOptions), opt_names.get(otype, ""), buf_len)
        otype2 = int(_guard("options2 type", op.BuiltinOptions2Type))
        if otype2:
            options.update(_decode_options(_guard("options2", op.BuiltinOptions2), opt2_names.get(otype2, ""), buf_len))
        operators.append(Operator(index=i, opcode=name, inputs=ins, outputs=outs, options=options, version=version, custom_code=custom))
    desc = _guard("description", model.Description)
    return Graph(
        tensors=tensors,
        operators=operators,
        inputs=inputs,
        outputs=outputs,
        model_bytes=bytes(data),
        description=desc.decode("utf-8", "replace") if desc else "",
        num_subgraphs=n_sub,
    )


def read_model_bytes(path_or_bytes) -> tuple[bytes, str]:
    """The raw bytes of a ``.tflite`` and a display name for it."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), "<bytes>"
    path = Path(path_or_bytes)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}", "check the path")
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}", "check the file permissions") from exc


def load_graph(path_or_bytes) -> Graph:
    """Read subgraph 0 of a ``.tflite`` (a path or the bytes) into a :class:`Graph`.

    Raises :class:`ModelError` naming the problem for anything that is not a
    well-formed TFLite flatbuffer.
    """
    data, name = read_model_bytes(path_or_bytes)
    if len(data) < 8:
        raise ModelError(f"{name} is not a TFLite model: only {len(data)} bytes", _HINT)
    if data[4:8] != _IDENTIFIER:
        raise ModelError(f"{name} is not a TFLite model: the flatbuffer identifier is {data[4:8]!r}, not b'TFL3'", _HINT)
    try:
        graph = _parse(data)
    except _Corrupt as exc:
        raise ModelError(f"{name} is corrupt or truncated: {exc}", _HINT) from exc
    graph.source_name = name
    graph.sha256 = hashlib.sha256(data).hexdigest()
    return graph
