"""What every Cortex-M family shares: the ``cortex-m`` template, a GNU cross
toolchain named by the board's ``toolchain`` (``<prefix>gcc``), QEMU for the
boards that run here and the flash tools for the real ones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tinyvid.families._base import Family, Toolchain, key_error
from tinyvid.families._launchers import FLASH_TOOLS, QemuLauncher

if TYPE_CHECKING:
    from tinyvid.boards import Board

_CROSS_GCC = re.compile(r"^(?P<prefix>\S*[^/\s]-)gcc$")


class CortexMFamily(Family):
    templates = ("cortex-m",)
    cores = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")  # -mcpu
    fpus = ("none", "fpv4-sp-d16", "fpv5-sp-d16", "fpv5-d16")  # -mfpu, hard float ABI
    #: the NVIC interrupt number of each UART's receive interrupt, by the UART's
    #: base address (``[serial] base``); a UART missing here is polled only, and
    #: its board cannot stream double-buffered
    uart_rx_irqs: ClassVar[dict[int, int]] = {}
    #: emulated boards, by QEMU machine: the base address and interrupt of a
    #: CMSDK APB timer that paces the modelled link of ``tv-frames`` (QEMU's UART
    #: has no baud timing); a machine missing here has no modelled link
    link_timers: ClassVar[dict[str, tuple[int, int]]] = {}

    def methods(self):
        return (QemuLauncher(), *FLASH_TOOLS)

    def toolchain(self, board_toolchain: str) -> Toolchain | None:
        match = _CROSS_GCC.match(board_toolchain)
        if match is None:
            return None
        prefix = match["prefix"]
        hint = ("install gcc-arm-none-eabi and libnewlib-arm-none-eabi" if prefix.endswith("arm-none-eabi-")
                else f"install {board_toolchain} or put it on the PATH")
        return Toolchain(compiler=board_toolchain, size=f"{prefix}size", make_variables=(f"CROSS={prefix}",),
                         install_hint=hint)

    def toolchain_hint(self) -> str:
        return "name a GNU cross compiler <prefix>gcc, e.g. arm-none-eabi-gcc"

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        for key in ("base", "clock_hz"):
            if key not in data["serial"]:
                raise key_error(path, f"serial.{key}", "is required for a Cortex-M board", "see boards/qemu-mps2-an386.toml")

    def template_vars(self, board: Board) -> dict[str, Any]:
        """``reset_clock_hz`` and whether ``clock.c`` sets up a PLL
        (``clock_setup``, then by the recipe ``pll``), the RCC/GPIO layout of
        ``uart.c`` (``gpio``), whether port G must be powered (``port_g_vddio2``) and
        the UART's receive interrupt (``uart_rx_irq``, None when unknown) and the
        timer of an emulated board's modelled link (``link_timer``: base and
        interrupt, or None)."""
        timer = self.link_timers.get(board.launch.machine or "") if board.emulated else None
        return {"name": self.name, "reset_clock_hz": board.clock_hz, "clock_setup": False, "pll": "", "gpio": "",
                "port_g_vddio2": False, "uart_rx_irq": self.uart_rx_irqs.get(board.serial.base),
                "link_timer": {"base": timer[0], "irq": timer[1]} if timer else None}
