"""Reads and validates board files (``boards/<name>.toml``, schema version 1).

Every error names the file and the key and says what to do: unknown keys, missing
keys, wrong types and out-of-range values are all rejected on load, so a board
that loads is one the rest of tinyvid can use without checking again.

What depends on the chip is its family's (:mod:`tinyvid.families`): the valid
templates, toolchains, launch methods and UART drivers, the family's own keys
(``Family.validate``, and its optional table ``[<family>]``), and the checks of
the launcher or flasher that ``[launch] method`` names.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tinyvid.boards.board import Board, Compute, Launch, Memory, Serial, Timer
from tinyvid.boards.emulation import icount_instructions_per_tick
from tinyvid.errors import BoardError
from tinyvid.families import Family, families, key_error
from tinyvid.power.boardfile import POWER_TABLE, power_record
from tinyvid.resources import boards_dir, templates_dir

SCHEMA_VERSION = 1
DEFAULT_BOARD = "qemu-mps2-an386"

# key -> (python type(s), required). Nested tables have their own schema.
_TOP = {
    "schema_version": (int, True),
    "name": (str, True),
    "vendor": (str, True),
    "description": (str, True),
    "core": (str, True),
    "fpu": (str, True),
    "clock_hz": (int, True),
    "template": (str, True),
    "family": (str, True),
    "toolchain": (str, True),
    "runs_here": (bool, True),
    "memory": (dict, True),
    "launch": (dict, True),
    "serial": (dict, True),
    "timer": (dict, True),
    "power": (dict, False),
    "compute": (dict, False),
}
_TABLES = {
    "memory": {
        "flash_origin": (int, True),
        "flash_bytes": (int, True),
        "ram_origin": (int, True),
        "ram_bytes": (int, True),
        "stack_bytes": (int, True),
    },
    "launch": {
        "method": (str, True),
        "machine": (str, False),
        "args": (list, False),
        "command": (list, False),
    },
    "serial": {
        "driver": (str, True),
        "baud": (int, True),
        "usb_ids": (list, False),
        "base": (int, False),
        "clock_hz": (int, False),
        "tx_pin": (str, False),
        "rx_pin": (str, False),
        "alternate_function": (int, False),
        "rcc_enable_offset": (int, False),
        "rcc_enable_bit": (int, False),
    },
    "timer": {
        "kind": (str, True),
        "hz": (int, True),
        "instructions_per_tick": ((float, int), False),
    },
    "power": POWER_TABLE,
    "compute": {"peak_macs_per_cycle": ((float, int), True)},
}
_TIMERS = {"systick", "dwt", "host"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_USB_ID = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")


def list_boards() -> list[Board]:
    """Every board shipped with tinyvid, sorted by name."""
    return [load_board(path) for path in sorted(boards_dir().glob("*.toml"))]


def load_board(name_or_path: str | Path) -> Board:
    """Loads a board by name (``qemu-mps2-an386``) or from a ``.toml`` file path."""
    path = _resolve(name_or_path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{path}: not valid TOML: {exc}", "fix the syntax of the board file") from exc
    except OSError as exc:
        raise BoardError(f"{path}: cannot read: {exc.strerror}", "check the path and its permissions") from exc
    return _build(path, data)


def _resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or isinstance(name_or_path, Path):
        path = Path(text)
        if not path.is_file():
            raise BoardError(f"board file {path} not found", "give the path of an existing .toml board file")
        return path
    path = boards_dir() / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in boards_dir().glob("*.toml")))
        raise BoardError(f"unknown board '{text}'", f"known boards: {known} (or give a path to a .toml board file)")
    return path


def _check_table(path: Path, where: str, data: dict, schema: dict) -> None:
    for key in data:
        if key not in schema:
            raise BoardError(
                f"{path}: unknown key '{where}{key}'",
                f"valid keys in {'[' + where.rstrip('.') + ']' if where else 'the top level'}: {', '.join(schema)}",
            )
    for key, (kind, required) in schema.items():
        if key not in data:
            if required:
                raise BoardError(f"{path}: missing key '{where}{key}'", f"add '{key}' to the board file")
            continue
        value = data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is a subclass of int in Python: never accept one for the other.
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(_type_name(k) for k in kinds)
            raise BoardError(
                f"{path}: key '{where}{key}' must be {names}, not {_type_name(type(value))}",
                f"fix the value of '{key}'",
            )


def _type_name(kind: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list", dict: "a table"}.get(
        kind, kind.__name__
    )


_fail = key_error


def _known_family(name: Any) -> Family | None:
    """The family called ``name``, looking again for one installed since; None if none."""
    if not isinstance(name, str):
        return None
    return families().get(name) or families(refresh=True).get(name)


def _build(path: Path, data: dict[str, Any]) -> Board:
    family = _known_family(data.get("family"))
    top = dict(_TOP)
    if family is not None and family.options:  # the family's own table [<family>]
        top[family.name] = (dict, any(required for _, required in family.options.values()))
    _check_table(path, "", data, top)
    for table, schema in _TABLES.items():
        if table in data:
            _check_table(path, f"{table}.", data[table], schema)
    if family is not None and family.name in data:
        _check_table(path, f"{family.name}.", data[family.name], family.options)
    if data["schema_version"] != SCHEMA_VERSION:
        raise _fail(path, "schema_version", f"is {data['schema_version']}", f"this tinyvid reads schema version {SCHEMA_VERSION}")
    launcher = _validate(path, data)
    mem, lau, ser, tim = data["memory"], data["launch"], data["serial"], data["timer"]
    return Board(
        name=data["name"],
        vendor=data["vendor"],
        description=data["description"],
        core=data["core"],
        fpu=data["fpu"],
        clock_hz=data["clock_hz"],
        template=data["template"],
        family=data["family"],
        toolchain=data["toolchain"],
        runs_here=data["runs_here"],
        memory=Memory(**mem),
        launch=Launch(
            method=lau["method"],
            machine=lau.get("machine"),
            args=tuple(lau.get("args", ())),
            command=tuple(lau.get("command", ())),
        ),
        serial=Serial(**{**ser, "usb_ids": tuple(ser.get("usb_ids", ()))}),
        timer=Timer(
            kind=tim["kind"],
            hz=tim["hz"],
            instructions_per_tick=icount_instructions_per_tick(tim["hz"]) if launcher.emulated else None,
        ),
        power=power_record(path, data["power"]) if "power" in data else None,
        compute=Compute(float(data["compute"]["peak_macs_per_cycle"])) if "compute" in data else None,
        options=dict(data[family.name]) if family is not None and family.name in data else {},
        path=path,
    )


def _one_of(path: Path, key: str, value: str, valid) -> None:
    if value not in valid:
        raise _fail(path, key, f"is '{value}'", f"use one of: {', '.join(sorted(valid))}")


def _validate(path: Path, data: dict[str, Any]):
    """Checks what the schema cannot; returns the launcher or flasher of the board."""
    if not _NAME.match(data["name"]):
        raise _fail(path, "name", f"'{data['name']}' is not a valid board name", "use lower-case letters, digits, '-' and '_'")
    if data["name"] != path.stem:
        raise _fail(path, "name", f"'{data['name']}' differs from the file name", f"name the file {data['name']}.toml")
    found = families()
    _one_of(path, "family", data["family"], found)
    family = found[data["family"]]
    _one_of(path, "core", data["core"], family.cores)
    _one_of(path, "fpu", data["fpu"], family.fpus)
    root = family.template_root() or templates_dir()
    _one_of(path, "template", data["template"], {name for name in family.templates if (root / name).is_dir()})
    if family.toolchain(data["toolchain"]) is None:
        raise _fail(path, "toolchain", f"is '{data['toolchain']}', which family {family.name} does not build with",
                    family.toolchain_hint())
    is_host = family.native  # the firmware as a native process: no memory map
    if data["clock_hz"] < 0 or (not is_host and data["clock_hz"] <= 0):
        raise _fail(path, "clock_hz", "must be > 0", "give the core clock in Hz")
    mem = data["memory"]
    for key in ("flash_origin", "ram_origin"):
        if not 0 <= mem[key] < 2**32:
            raise _fail(path, f"memory.{key}", "must be a 32-bit address", "give the address as 0x...")
    for key in ("flash_bytes", "ram_bytes", "stack_bytes"):
        if mem[key] < 0 or (not is_host and mem[key] <= 0):
            raise _fail(path, f"memory.{key}", "must be > 0", "give the size in bytes")
    if not is_host and mem["stack_bytes"] >= mem["ram_bytes"]:
        raise _fail(path, "memory.stack_bytes", "must be smaller than ram_bytes", "reserve a smaller stack")
    launch = data["launch"]
    methods = {method.method: method for method in family.methods()}
    _one_of(path, "launch.method", launch["method"], methods)
    launcher = methods[launch["method"]]
    for key in ("args", "command"):
        if not all(isinstance(item, str) for item in launch.get(key, [])):
            raise _fail(path, f"launch.{key}", "must be a list of strings", "quote every argument")
    if launcher.runs_here != data["runs_here"]:
        here = " or ".join(f"'{name}'" for name, method in methods.items() if method.runs_here) or "no method"
        raise _fail(path, "runs_here", "contradicts launch.method", f"boards of family {family.name} that run here "
                    f"are launched by {here}; the others are flashed")
    serial = data["serial"]
    _one_of(path, "serial.driver", serial["driver"], {d for f in found.values() for d in f.serial_drivers})
    if serial["driver"] not in family.serial_drivers:
        raise _fail(path, "serial.driver", f"'{serial['driver']}' does not match family '{family.name}'",
                    f"family {family.name} uses {' or '.join(family.serial_drivers)}")
    if serial["baud"] <= 0:
        raise _fail(path, "serial.baud", "must be > 0", "use 115200")
    for usb_id in serial.get("usb_ids", []):
        if not isinstance(usb_id, str) or not _USB_ID.match(usb_id):
            raise _fail(path, "serial.usb_ids", f"has '{usb_id}'", "write USB ids as lower-case hex 'vid:pid', e.g. '0483:374b'")
    family.validate(path, data)
    timer = data["timer"]
    _one_of(path, "timer.kind", timer["kind"], _TIMERS)
    if timer["hz"] <= 0:
        raise _fail(path, "timer.hz", "must be > 0", "give the timer's ticks per second")
    if not launcher.emulated and "instructions_per_tick" in timer:
        raise _fail(path, "timer.instructions_per_tick", "is only meaningful on an emulated board",
                    "remove it: a real board's timer counts cycles or time, not instructions")
    launcher.validate(path, data)
    if not is_host:
        for table in ("power", "compute"):
            if table not in data:
                raise BoardError(f"{path}: missing table [{table}]", f"add [{table}] (see boards/qemu-mps2-an386.toml)")
    if "power" in data and (data["power"]["volts"] <= 0 or data["power"]["active_ma"] <= 0):
        raise _fail(path, "power", "needs volts and active_ma > 0", "give the datasheet's typical run figures")
    if "compute" in data and data["compute"]["peak_macs_per_cycle"] <= 0:
        raise _fail(path, "compute.peak_macs_per_cycle", "must be > 0", "2.0 for cores with SMLAD")
    return launcher
