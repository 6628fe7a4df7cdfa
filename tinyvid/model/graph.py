"""The small graph IR tinyvid works on: tensors, operators in execution order, I/O.

Built by :func:`tinyvid.model.reader.load_graph` from a ``.tflite`` flatbuffer; read by
the statistics (``inspect``) and by the code generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: numpy dtypes of the TFLite tensor types tinyvid can hold constant data for.
NUMPY_DTYPES: dict[str, type] = {
    "float32": np.float32,
    "float16": np.float16,
    "float64": np.float64,
    "int8": np.int8,
    "uint8": np.uint8,
    "int16": np.int16,
    "uint16": np.uint16,
    "int32": np.int32,
    "uint32": np.uint32,
    "int64": np.int64,
    "uint64": np.uint64,
    "bool": np.bool_,
}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization of a tensor: ``real = scale * (q - zero_point)``.

    ``scales``/``zero_points`` hold one value per tensor, or one per channel along
    ``quantized_dimension`` for per-channel (per-axis) quantization.
    """

    scales: np.ndarray
    zero_points: np.ndarray
    quantized_dimension: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scales) > 1

    @property
    def scale(self) -> float:
        """The per-tensor scale (the first one of a per-channel tensor)."""
        return float(self.scales[0])

    @property
    def zero_point(self) -> int:
        return int(self.zero_points[0])


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quantization: Quantization | None = None
    data: np.ndarray | None = None
    is_variable: bool = False

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def itemsize(self) -> int:
        dt = NUMPY_DTYPES.get(self.dtype)
        return np.dtype(dt).itemsize if dt is not None else 0

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize


@dataclass
class Operator:
    index: int
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: dict = field(default_factory=dict)
    version: int = 1
    custom_code: str | None = None


@dataclass
class Graph:
    """Subgraph 0 of a TFLite model, with the bytes it was read from."""

    tensors: list[Tensor]
    operators: list[Operator]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    model_bytes: bytes
    source_name: str = "<bytes>"
    sha256: str = ""
    description: str = ""
    num_subgraphs: int = 1

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    def input_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.inputs]

    def output_tensors(self) -> list[Tensor]:
        return [self.tensors[i] for i in self.outputs]

    @property
    def opcodes(self) -> list[str]:
        """The distinct operators of the model, in order of first use."""
        seen: list[str] = []
        for op in self.operators:
            if op.opcode not in seen:
                seen.append(op.opcode)
        return seen
