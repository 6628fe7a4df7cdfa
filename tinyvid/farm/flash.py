"""Flashing a held place through labgrid's own drivers.

A place whose resources include one that labgrid flashes through (a
``BootstrapProtocol`` driver binds to it: ``OpenOCDDriver`` to a
``NetworkUSBDebugger`` or ``NetworkAlteraUSBBlaster``, ``FlashromDriver``, the USB
loaders of i.MX and Rockchip parts) has a firmware loaded onto it before it is
measured: tinyvid's labgrid client builds labgrid's target of the place (the
target of ``$LG_ENV`` for that place when the file has one, with the drivers and
tools configured there), activates the driver and calls its ``load``. labgrid
runs the driver's tool (openocd, ...) on the place's exporter host, over ssh.
A place without such a resource runs the firmware it already has.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tinyvid.errors import FarmError
from tinyvid.farm.places import STARTUP_S, HeldPlace, _Helper

#: Seconds a flash may take (openocd's program-and-verify of a few hundred kB takes seconds to a minute).
FLASH_TIMEOUT_S = 300.0
LG_ENV = "LG_ENV"


def flash_driver(held: HeldPlace) -> str | None:
    """The labgrid driver that flashes ``held`` (None: it has no resource to flash through)."""
    return next((f["drivers"][0] for f in held.flashers if f.get("drivers")), None)


def _failure(event: dict, held: HeldPlace, image: Path) -> FarmError:
    code, cause, driver = event.get("code"), event.get("cause"), event.get("driver") or "labgrid"
    message = f"flashing {image.name} onto place {held.name}: {event.get('message', 'labgrid failed')}"
    if cause == "ssh":
        hint = (f"labgrid's remote drivers need ssh from this machine to the exporter host without a password: "
                f"check `ssh {event.get('host', 'HOST')} true`, and that {driver}'s tool is installed there")
    elif code == 7:
        hint = "the place was released under tinyvid: run again"
    elif code == 9:
        hint = "check the place's debugger and board (labgrid-client -p PLACE bootstrap IMAGE)"
    else:
        hint = (f"check {driver}'s configuration for the place (a target with a RemotePlace for it in the "
                f"labgrid environment file ${LG_ENV}: its drivers' options and `tools:` paths)")
    return FarmError(message, hint)


def flash_place(held: HeldPlace, image: str | Path, *, timeout: float = FLASH_TIMEOUT_S,
                env_file: str | Path | None = None) -> str | None:
    """Load ``image`` (the firmware ELF) onto the held place through labgrid's
    flashing driver of the place: the driver's name, or None when the place has none
    (it runs the firmware it already has). ``env_file``: a labgrid environment file
    (default ``$LG_ENV``) whose target for the place configures the driver and its
    tool. FarmError when the driver fails or takes longer than ``timeout`` seconds."""
    image = Path(image)
    if not image.is_file():
        raise FarmError(f"no firmware to flash onto place {held.name}: {image} is missing",
                        "build the project first (`tinyvid build DIR`)")
    env_file = env_file or os.environ.get(LG_ENV) or None
    args = ["flash", held.name, str(image.resolve()), "--timeout", f"{timeout:g}"]
    if env_file:
        args += ["--env", str(Path(env_file).resolve())]
    helper = _Helper(args, held.coordinator)
    start = time.monotonic()
    try:
        while True:
            left = timeout + STARTUP_S - (time.monotonic() - start)
            try:
                event = helper.event(left)
            except FarmError:
                raise FarmError(f"flashing place {held.name} did not end in {timeout + STARTUP_S:.0f} s",
                                "check the place's debugger and its exporter host") from None
            if event is None:
                raise helper.failure(f"flashing place {held.name}")
            if event["event"] == "flashed":
                return event.get("driver")
            if event["event"] == "no-flasher":
                return None
            if event["event"] == "error":
                raise _failure(event, held, image)
    finally:
        helper.close()
