"""The operator registry: one lowering module per operator (or family), one C kernel each.

To add an operator: write ``ops/<name>.py`` with ``OPCODE`` (or ``OPCODES``) and
``lower(ctx) -> KernelCall``, its kernel ``kernels/tv_<kernel>.c|h``, and list the
module in :data:`_MODULES`.
"""

from __future__ import annotations

import importlib

_MODULES = (
    "conv2d",
    "depthwise_conv2d",
    "fully_connected",
    "average_pool2d",
    "max_pool2d",
    "add",
    "sub",
    "mul",
    "softmax",
    "reshape",
    "quantize",
    "relu",
    "leaky_relu",
    "logistic",
    "pad",
    "concatenation",
    "mean",
    "hard_swish",
)


def _load() -> dict:
    registry = {}
    for name in _MODULES:
        module = importlib.import_module(f"tinyvid.codegen.ops.{name}")
        for opcode in getattr(module, "OPCODES", None) or (module.OPCODE,):
            registry[opcode] = module.lower
    return registry


LOWERINGS = _load()


def supported_operators() -> list[str]:
    return sorted(LOWERINGS)
