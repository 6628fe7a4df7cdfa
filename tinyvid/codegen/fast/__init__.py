"""Optimised kernels: per-layer specialisations for a target (see :mod:`tinyvid.codegen.targets`).

Every operator is first lowered to its portable C kernel (``tinyvid.codegen.ops``),
which validates the operator and computes TFLM's constants. For a ``dsp`` or ``mve``
target, the specialisations registered here for the operator's opcode are then
tried in order; the first that returns a :class:`~tinyvid.codegen.ops.base.KernelCall`
replaces the portable call, ``None`` keeps it (a shape the specialisation does not
cover). A specialisation must be bit-exact with the portable kernel: the tests run
both against tflite-micro.

To add one: a module here with ``TARGETS`` (the targets it is written for),
``OPCODES``, ``specialise(ctx, call) -> KernelCall | None`` and optionally
``PRIORITY`` (lower is tried first, default 100); every module of this package
that defines ``specialise`` is registered. Its C goes into ``KernelCall.code`` (static functions named
``<prefix>_op<index>_...``, placed in the model's ``.c`` file before
``<prefix>_invoke``) and/or kernel files under ``kernels/`` named in
``KernelCall.kernels``; instruction emulations for the host are in
``kernels/tv_arm.h``. Constants it emits through ``ctx.op_const`` land in flash;
the portable call's constants that nothing references any more are dropped.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from tinyvid.codegen.targets import FALLBACKS


def _load() -> dict[tuple[str, str], list[Callable]]:
    modules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "specialise"):
            modules.append(module)
    modules.sort(key=lambda m: (getattr(m, "PRIORITY", 100), m.__name__))
    registry: dict[tuple[str, str], list[Callable]] = {}
    for module in modules:
        for target in module.TARGETS:
            for opcode in module.OPCODES:
                registry.setdefault((target, opcode), []).append(module.specialise)
    return registry


SPECIALISATIONS = _load()


def specialise(ctx, call):
    """The best call for ``ctx.target``: a specialisation, or the portable ``call``."""
    for target in FALLBACKS[ctx.target]:
        if target == "c":
            break
        for fn in SPECIALISATIONS.get((target, ctx.op.opcode), ()):
            better = fn(ctx, call)
            if better is not None:
                return better
    return call
