"""The firmware as a native process of this machine (the ``host`` template):
built with the board's C compiler, its UART is the process's stdin/stdout."""

from __future__ import annotations

import re

from tinyvid.families._base import Family, Toolchain
from tinyvid.families._launchers import NativeLauncher

_COMPILER = re.compile(r"^[\w./+-]+$")


class Host(Family):
    name = "host"
    templates = ("host",)
    native = True
    serial_drivers = ("stdio",)
    cores = ("host",)

    def methods(self):
        return (NativeLauncher(),)

    def toolchain(self, board_toolchain: str) -> Toolchain | None:
        if not _COMPILER.match(board_toolchain):
            return None
        return Toolchain(compiler=board_toolchain, size="size", make_variables=(f"CC={board_toolchain}",),
                         install_hint="install build-essential")

    def toolchain_hint(self) -> str:
        return "name this machine's C compiler, e.g. cc"


FAMILY = Host()
