"""Kernel targets: which instruction set the generated kernels are written for.

``c``
    Portable C99: the reference arithmetic, for any core (and the host). It is the
    fallback for cores without DSP instructions and the oracle of the tests.
``dsp``
    Armv7E-M / Armv8-M Mainline with the DSP extension (Cortex-M4, M7, M33, M35P):
    kernels specialised per layer at generation time, using the dual 16-bit MACs
    (SMLAD) and saturation instructions. The same source also compiles on a host
    (``tv_arm.h`` emulates each instruction in C), which is how tests check it
    bit for bit under the sanitizers.
``mve``
    Armv8.1-M with Helium (Cortex-M55, M85): vector kernels; the DSP kernels are
    used where no vector kernel exists.

A board's ``core`` decides the target (:func:`target_for_core`); a bare
``tinyvid emit`` takes ``--target``.
"""

from __future__ import annotations

from tinyvid.errors import TinyvidError

TARGETS = ("c", "dsp", "mve")

#: core -> target; a core missing here gets the portable kernels
_CORE_TARGETS = {
    "cortex-m4": "dsp",
    "cortex-m7": "dsp",
    "cortex-m33": "dsp",
    "cortex-m35p": "dsp",
    "cortex-m55": "mve",
    "cortex-m85": "mve",
}

#: what each target may fall back to, best first (a specialisation for any of them applies)
FALLBACKS = {"c": ("c",), "dsp": ("dsp", "c"), "mve": ("mve", "dsp", "c")}


def target_for_core(core: str) -> str:
    """The kernel target for a board's ``core`` (``c`` for cores without DSP and the host)."""
    return _CORE_TARGETS.get(core, "c")


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise TinyvidError(f"unknown kernel target '{target}'", f"choose one of: {', '.join(TARGETS)}")
    return target
