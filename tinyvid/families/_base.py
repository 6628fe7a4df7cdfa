"""The interface of a board family: what tinyvid asks of one, and the defaults.

A family is everything that differs between chips which the board file's plain
data does not say: which toolchain builds for it, which sections of its image
count as flash and as RAM, how a board that runs here is started behind a TCP
serial URL (a :class:`Launcher`) or how a real one is programmed (a
:class:`Flasher`), which template folders render its firmware, the checks of its
own board-file keys and the template variables its C code is chosen by.
"""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tinyvid.errors import BoardError

if TYPE_CHECKING:
    from tinyvid.boards import Board
    from tinyvid.build.bridge import SerialBridge

#: Sections of a GNU ELF image stored in flash (.data too: its initial values are copied to RAM).
FLASH_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".ARM.extab", ".init_array", ".fini_array", ".data")
#: Sections that take RAM.
RAM_SECTIONS = (".data", ".bss", ".stack", ".heap")


def key_error(path: Path, key: str, message: str, hint: str) -> BoardError:
    """The error of one board-file key: names the file and the key, says what to do."""
    return BoardError(f"{path}: key '{key}' {message}", hint)


@dataclass(frozen=True)
class Toolchain:
    """The tools that build a board's firmware: the compiler whose presence is
    checked before the build, the size tool whose ``-A`` table gives the sections,
    and the variables handed to ``make`` so that the project's Makefile uses them."""

    compiler: str
    size: str
    make_variables: tuple[str, ...] = ()
    install_hint: str = ""


class Launcher:
    """Starts a board that runs here (``runs_here = true``) for one ``[launch]
    method``. :meth:`start` returns the board's process and the
    :class:`~tinyvid.build.bridge.SerialBridge` serving its UART on 127.0.0.1;
    ``tinyvid.build.launch_board`` stops both, whatever happens."""

    method: ClassVar[str] = ""
    runs_here: ClassVar[bool] = True
    #: True for an emulator like QEMU (``Board.emulated``): its timer ticks are an
    #: instruction count (tinyvid.boards.emulation) and the firmware reads host
    #: files by semihosting.
    emulated: ClassVar[bool] = False

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        """Checks the board file's keys this launcher reads; raises BoardError."""

    def start(self, board: Board, image: Path, port: int,
              stack: contextlib.ExitStack) -> tuple[subprocess.Popen, SerialBridge]:
        raise NotImplementedError


class Flasher:
    """Programs a real board (``runs_here = false``) for one ``[launch] method``."""

    method: ClassVar[str] = ""
    runs_here: ClassVar[bool] = False
    emulated: ClassVar[bool] = False

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        """Checks the board file's keys this flasher reads; raises BoardError."""

    def flash(self, board: Board, project_dir: Path, firmware: Path, timeout_s: float) -> str:
        """Programs the board; returns the tool's output. Raises ProjectError."""
        raise NotImplementedError


class Family:
    """One board family. Subclass it in one module that sets ``FAMILY =
    MyFamily()`` (a module inside :mod:`tinyvid.families`, or any module named by
    an entry point of the group ``tinyvid.families``)."""

    #: the board file's ``family`` value
    name: ClassVar[str] = ""
    #: the template folders (``template`` values) it renders
    templates: ClassVar[tuple[str, ...]] = ()
    #: True when its firmware is a native process of this machine (``Board.is_host``):
    #: no memory map, clock, power or compute figures, the image is ``build/firmware``
    native: ClassVar[bool] = False
    #: the ``[serial] driver`` values its boards use
    serial_drivers: ClassVar[tuple[str, ...]] = ()
    #: the ``core`` and ``fpu`` values its boards may have
    cores: ClassVar[tuple[str, ...]] = ()
    fpus: ClassVar[tuple[str, ...]] = ("none",)
    #: the section-name prefixes counted as flash and as RAM
    flash_sections: ClassVar[tuple[str, ...]] = FLASH_SECTIONS
    ram_sections: ClassVar[tuple[str, ...]] = RAM_SECTIONS
    #: schema of the family's own table ``[<name>]`` in the board file:
    #: key -> (type or types, required); its values are ``Board.options``
    options: ClassVar[dict[str, tuple[Any, bool]]] = {}

    def methods(self) -> tuple[Launcher | Flasher, ...]:
        """The launchers and flashers of the family, one per ``[launch] method``."""
        return ()

    def method(self, name: str) -> Launcher | Flasher | None:
        return next((m for m in self.methods() if m.method == name), None)

    def template_root(self) -> Path | None:
        """The folder holding this family's template folders; None: tinyvid's own
        ``firmware_templates/`` (whose ``common/`` is rendered for every family)."""
        return None

    def toolchain(self, board_toolchain: str) -> Toolchain | None:
        """The tools for a board whose ``toolchain`` key is ``board_toolchain``;
        None when the family cannot build with it."""
        return None

    def toolchain_hint(self) -> str:
        """What to write in ``toolchain`` when :meth:`toolchain` refuses a value."""
        return "see the board files of this family"

    def build_command(self, toolchain: Toolchain, jobs: int) -> list[str]:
        """The command that builds a generated project, run in its folder."""
        return ["make", f"-j{jobs}", *toolchain.make_variables]

    def memory_use(self, sections: dict[str, int]) -> tuple[int, int]:
        """Flash and RAM bytes of an image from its section sizes."""
        flash = sum(size for name, size in sections.items() if name.startswith(self.flash_sections))
        ram = sum(size for name, size in sections.items() if name.startswith(self.ram_sections))
        return flash, ram

    def validate(self, path: Path, data: dict[str, Any]) -> None:
        """Checks the family's own board-file keys (after the common checks);
        raises BoardError through :func:`key_error`."""

    def template_vars(self, board: Board) -> dict[str, Any]:
        """The templates' ``family`` variable: what the family's C is chosen by."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<family {self.name}>"
