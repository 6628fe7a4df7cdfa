"""labgrid's own environment, and how tinyvid runs labgrid's programs in it.

labgrid installs ``pyserial-labgrid``, a fork that replaces pyserial, so it never
enters tinyvid's environment: it lives in a tool environment of its own
(:mod:`tinyvid.toolenv`), and tinyvid runs ``labgrid-coordinator``,
``labgrid-exporter`` and its own small client (:mod:`tinyvid.farm._lg_helper`, a
script that imports labgrid, never tinyvid) there as subprocesses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tinyvid.errors import FarmError
from tinyvid.toolenv import ToolEnv, ensure_tool

LABGRID_VERSION = "26.0.1"
LABGRID = ToolEnv(f"labgrid-{LABGRID_VERSION}", (f"labgrid=={LABGRID_VERSION}",), "labgrid board farms", FarmError)
COORDINATOR_ENV = "LG_COORDINATOR"
DEFAULT_COORDINATOR = "127.0.0.1:20408"
HELPER = Path(__file__).with_name("_lg_helper.py")
_ADDRESS = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


def coordinator_address(address: str | None = None) -> str:
    """``HOST:PORT`` of the coordinator: ``address``, else ``$LG_COORDINATOR``, else
    labgrid's default 127.0.0.1:20408."""
    value = (address or os.environ.get(COORDINATOR_ENV) or DEFAULT_COORDINATOR).strip()
    if ":" not in value:
        value += ":20408"
    if not _ADDRESS.match(value) or not 1 <= int(value.rsplit(":", 1)[1]) <= 65535:
        raise FarmError(f"'{value}' is not a labgrid coordinator address",
                        f"set {COORDINATOR_ENV}=HOST:PORT, e.g. {DEFAULT_COORDINATOR}")
    return value


def labgrid_python(*, progress: bool = False) -> Path:
    """The Python of labgrid's environment (created the first time)."""
    return ensure_tool(LABGRID, progress=progress)


def labgrid_program(name: str, *, progress: bool = False) -> Path:
    """``labgrid-coordinator`` or ``labgrid-exporter`` of labgrid's environment."""
    labgrid_python(progress=progress)
    return LABGRID.script(name)


def helper_command(*args: str) -> list[str]:
    """The command line that runs tinyvid's labgrid client with ``args``."""
    return [str(labgrid_python()), "-I", str(HELPER), *args]


def helper_env(coordinator: str) -> dict[str, str]:
    """The environment of a labgrid subprocess: tinyvid's, without its Python path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env[COORDINATOR_ENV] = coordinator
    env["PYTHONUNBUFFERED"] = "1"
    return env
