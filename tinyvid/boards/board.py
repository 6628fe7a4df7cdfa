"""The board record: what tinyvid knows about one board, frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Memory:
    flash_origin: int
    flash_bytes: int
    ram_origin: int
    ram_bytes: int
    stack_bytes: int


@dataclass(frozen=True)
class Launch:
    """How the firmware starts: ``qemu`` (machine + extra args), ``host`` (a native
    process) or a flash tool (``openocd``/``pyocd``/``st-flash`` with its command,
    where ``{elf}``, ``{hex}`` and ``{bin}`` stand for the built image)."""

    method: str
    machine: str | None = None
    args: tuple[str, ...] = ()
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class Serial:
    driver: str
    baud: int
    usb_ids: tuple[str, ...] = ()
    base: int | None = None
    clock_hz: int | None = None
    tx_pin: str | None = None
    rx_pin: str | None = None
    alternate_function: int | None = None
    rcc_enable_offset: int | None = None
    rcc_enable_bit: int | None = None


@dataclass(frozen=True)
class Timer:
    """The timer that the firmware's timings count: ``systick`` (emulated boards,
    where QEMU's ``-icount`` makes ticks an exact instruction count), ``dwt`` (the
    core's cycle counter on real boards) or ``host`` (nanoseconds)."""

    kind: str
    hz: int
    instructions_per_tick: float | None = None


@dataclass(frozen=True)
class Power:
    """The board's supply and currents (for the estimate) and, if any, the spec of
    the power monitor that measures it (``tinyvid.power.spec``)."""

    volts: float
    active_ma: float
    source: str
    sleep_ma: float | None = None
    monitor: str | None = None


@dataclass(frozen=True)
class Compute:
    peak_macs_per_cycle: float


@dataclass(frozen=True)
class Board:
    name: str
    vendor: str
    description: str
    core: str
    fpu: str
    clock_hz: int
    template: str
    family: str
    toolchain: str
    runs_here: bool
    memory: Memory
    launch: Launch
    serial: Serial
    timer: Timer
    power: Power | None = None
    compute: Compute | None = None
    #: the values of the family's own table ``[<family>]`` (``Family.options``)
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    path: Path | None = field(default=None, compare=False)

    @property
    def emulated(self) -> bool:
        """Its launcher is an emulator like QEMU: -icount makes its timer an
        instruction count, and the firmware reads host files by semihosting."""
        from tinyvid.families import family_named

        method = family_named(self.family).method(self.launch.method)
        return method is not None and method.emulated

    @property
    def is_host(self) -> bool:
        """Its firmware is a native process of this machine (its family says so)."""
        from tinyvid.families import family_named

        return family_named(self.family).native

    @property
    def availability(self) -> str:
        """``runs here`` or ``compiled only`` (for ``tinyvid boards``)."""
        return "runs here" if self.runs_here else "compiled only"
