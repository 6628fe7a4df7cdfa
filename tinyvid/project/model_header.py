"""Reads what a generated model header (``<prefix>.h``) says about the model.

The header is the contract of the generated model C API (docs/architecture.md):
``P_ARENA_BYTES``, ``P_MACS`` and ``P_INPUT_0_BYTES``/``_SHAPE``/``_SCALE``/
``_ZERO_POINT`` and the same for the outputs, with ``P`` the upper-case prefix.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from tinyvid.errors import ProjectError

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*(?:/\*.*)?$", re.M)


@dataclass(frozen=True)
class TensorInfo:
    bytes: int
    shape: tuple[int, ...]
    scale: float
    scale_text: str
    zero_point: int


@dataclass(frozen=True)
class ModelInfo:
    header: str
    prefix: str
    arena_bytes: int
    macs: int
    num_inputs: int
    num_outputs: int
    input: TensorInfo
    output: TensorInfo

    def to_json(self) -> dict:
        return asdict(self)


def read_model_header(path: Path, prefix: str = "model") -> ModelInfo:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    defines = dict(_DEFINE.findall(text))
    macro = prefix.upper()

    def get(key: str) -> str:
        name = f"{macro}_{key}"
        if name not in defines:
            raise ProjectError(
                f"{path}: the generated model header does not define {name}",
                "regenerate the model with 'tinyvid emit' (or check --prefix)",
            )
        value = defines[name].strip()
        for _ in range(8):  # a define may name another one
            if value not in defines:
                break
            value = defines[value].strip()
        return value

    def integer(key: str) -> int:
        value = get(key).strip("()").rstrip("uUlL")
        try:
            return int(value, 0)
        except ValueError:
            raise ProjectError(f"{path}: {macro}_{key} is not an integer: {value}", "regenerate the model") from None

    def tensor(kind: str) -> TensorInfo:
        scale_text = get(f"{kind}_0_SCALE").strip("()").rstrip("fF")
        shape_text = get(f"{kind}_0_SHAPE").strip("{} ")
        try:
            scale = float(scale_text)
            shape = tuple(int(part, 0) for part in shape_text.split(",") if part.strip())
        except ValueError:
            raise ProjectError(f"{path}: cannot read the {kind.lower()} scale or shape", "regenerate the model") from None
        return TensorInfo(
            bytes=integer(f"{kind}_0_BYTES"),
            shape=shape,
            scale=scale,
            scale_text=scale_text,
            zero_point=integer(f"{kind}_0_ZERO_POINT"),
        )

    return ModelInfo(
        header=Path(path).name,
        prefix=prefix,
        arena_bytes=integer("ARENA_BYTES"),
        macs=integer("MACS"),
        num_inputs=integer("NUM_INPUTS"),
        num_outputs=integer("NUM_OUTPUTS"),
        input=tensor("INPUT"),
        output=tensor("OUTPUT"),
    )
