"""Board families behind one interface (:class:`Family`), found without a registry.

A board file names its ``family``; the family says which toolchain builds the
board (from the board's ``toolchain`` key), which sections count as flash and RAM,
how a board that runs here is launched behind a TCP serial URL and how a real one
is flashed, which template folders render its firmware, how its own keys are
checked and which template variables choose its C code.

Families are found, not listed:

- every public module of this package that defines ``FAMILY`` (``mps2``,
  ``mps3``, ``stm32f4``, ``stm32l4``, ``host``; modules starting with ``_`` are
  shared parts);
- every entry point of the group ``tinyvid.families`` (a module defining
  ``FAMILY``, a :class:`Family` instance or a subclass), for families that live
  in their own package.

The parts the shipped families are made of are public, for such packages to
build on: :class:`QemuLauncher`, :class:`NativeLauncher`, :class:`CommandFlasher`
(and ``FLASH_TOOLS``, the openocd/pyocd/st-flash flashers), :class:`CortexMFamily`
(the ``cortex-m`` template, a GNU cross toolchain, QEMU and the flash tools) and
:class:`Stm32Family`.

>>> family_named("stm32l4").toolchain("arm-none-eabi-gcc").size
'arm-none-eabi-size'
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tinyvid.errors import BoardError
from tinyvid.families._base import FLASH_SECTIONS, RAM_SECTIONS, Family, Flasher, Launcher, Toolchain, key_error

if TYPE_CHECKING:
    from tinyvid.boards import Board

ENTRY_POINT_GROUP = "tinyvid.families"

_lock = threading.Lock()
_found: dict[str, Family] | None = None
_broken: dict[str, str] = {}  # entry point -> why it did not load


def _as_family(obj: Any) -> Family | None:
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "FAMILY", None)
    if isinstance(obj, type) and issubclass(obj, Family):
        obj = obj()
    return obj if isinstance(obj, Family) and obj.name else None


def _discover() -> tuple[dict[str, Family], dict[str, str]]:
    found: dict[str, Family] = {}
    origin: dict[str, str] = {}
    broken: dict[str, str] = {}

    def add(family: Family | None, where: str) -> None:
        if family is None:
            return
        if family.name in found and origin[family.name] != where:  # the first one found stays
            broken[where] = f"defines family '{family.name}', which {origin[family.name]} defines already"
            return
        found[family.name] = family
        origin[family.name] = where

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            add(_as_family(importlib.import_module(f"{__name__}.{info.name}")), f"{__name__}.{info.name}")
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            family = _as_family(entry.load())
        except Exception as exc:  # a broken third-party package must not break the others
            broken[f"{entry.name} = {entry.value}"] = f"{type(exc).__name__}: {exc}"
            continue
        if family is None:
            broken[f"{entry.name} = {entry.value}"] = "defines no FAMILY (a tinyvid.families.Family)"
            continue
        add(family, entry.value)
    return found, broken


def families(*, refresh: bool = False) -> dict[str, Family]:
    """Every family found, by name (discovered once; again with ``refresh``)."""
    global _found, _broken
    with _lock:
        if _found is None or refresh:
            _found, _broken = _discover()
        return dict(_found)


def family_named(name: str) -> Family:
    """The family called ``name``; a family installed since the first look is
    found too. BoardError naming the known ones when there is none."""
    found = families()
    if name not in found:
        found = families(refresh=True)
    if name in found:
        return found[name]
    hint = f"use one of: {', '.join(sorted(found))}"
    if _broken:
        hint += "; these family packages did not load: " + "; ".join(f"{k} ({v})" for k, v in sorted(_broken.items()))
    raise BoardError(f"unknown board family '{name}'", hint)


def family_of(board: Board) -> Family:
    """The family of a loaded board."""
    return family_named(board.family)


# The shared parts load on first use: they import tinyvid.boards, which imports this package.
_PARTS = {"QemuLauncher": "_launchers", "NativeLauncher": "_launchers", "CommandFlasher": "_launchers",
          "FLASH_TOOLS": "_launchers", "CortexMFamily": "_cortexm", "Stm32Family": "_stm32"}


def __getattr__(name: str):
    if name not in _PARTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_PARTS[name]}"), name)


__all__ = [
    "ENTRY_POINT_GROUP",
    "FLASH_SECTIONS",
    "FLASH_TOOLS",
    "RAM_SECTIONS",
    "CommandFlasher",
    "CortexMFamily",
    "Family",
    "Flasher",
    "Launcher",
    "NativeLauncher",
    "QemuLauncher",
    "Stm32Family",
    "Toolchain",
    "families",
    "family_named",
    "family_of",
    "key_error",
]
