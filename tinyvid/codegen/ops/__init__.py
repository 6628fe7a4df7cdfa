"""The operator registry: one lowering module per operator (or family), one C kernel each.

To add an operator:

1. ``kernels/tv_<kernel>.h`` and ``.c``: C99, ``tv_`` prefix on every symbol and
   ``TV_`` on macros (the emitter renames both to the user's prefix), a params
   struct, no malloc, int32 index arithmetic, clean under the warnings of
   :data:`tinyvid.codegen.hostbuild.WARNINGS`;
2. ``ops/<name>.py`` with ``OPCODE`` (or ``OPCODES``) and ``lower(ctx) -> KernelCall``:
   validate shapes and types through the :class:`~tinyvid.codegen.ops.base.LoweringContext`
   (raise ``ctx.fail`` / ``ctx.unsupported``), compute every constant exactly as TFLM's
   Prepare does (float32 vs double matters), return the call;
3. list the module in :data:`_MODULES`;
4. add a property test in ``tests/codegen/test_ops.py`` (random single-op models built
   by ``tests/codegen/modelbuilder.py``, compared with tflite-micro by ``verify``).
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
    "resize",
    "slice",
    "transpose",
    "split",
    "pack",
    "gather",
    "minmax",
    "prelu",
    "squared_difference",
    "transpose_conv",
    "space_batch",
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
