"""Reads and validates board files (``boards/<name>.toml``, schema version 1).

Every error names the file and the key and says what to do: unknown keys, missing
keys, wrong types and out-of-range values are all rejected on load, so a board
that loads is one the rest of tinyvid can use without checking again.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tinyvid.boards.board import Board, Compute, Launch, Memory, Serial, Timer
from tinyvid.boards.emulation import ICOUNT_SHIFT, QEMU_SYSTICK_HZ, icount_instructions_per_tick
from tinyvid.errors import BoardError
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
_CORES = {"cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55", "host"}
_FPUS = {"none", "fpv4-sp-d16", "fpv5-sp-d16", "fpv5-d16"}
_FAMILIES = {"mps2": "cmsdk-uart", "mps3": "cmsdk-uart", "stm32f4": "stm32-usart", "stm32l4": "stm32-lpuart", "host": "stdio"}
_LAUNCH_METHODS = {"qemu", "host", "openocd", "pyocd", "st-flash"}
_TIMERS = {"systick", "dwt", "host"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_USB_ID = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")
_PIN = re.compile(r"^P[A-K]([0-9]|1[0-5])$")


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


def _fail(path: Path, key: str, message: str, hint: str) -> BoardError:
    return BoardError(f"{path}: key '{key}' {message}", hint)


def _build(path: Path, data: dict[str, Any]) -> Board:
    _check_table(path, "", data, _TOP)
    for table, schema in _TABLES.items():
        if table in data:
            _check_table(path, f"{table}.", data[table], schema)
    if data["schema_version"] != SCHEMA_VERSION:
        raise _fail(path, "schema_version", f"is {data['schema_version']}", f"this tinyvid reads schema version {SCHEMA_VERSION}")
    _validate(path, data)
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
            instructions_per_tick=icount_instructions_per_tick(tim["hz"]) if lau["method"] == "qemu" else None,
        ),
        power=power_record(path, data["power"]) if "power" in data else None,
        compute=Compute(float(data["compute"]["peak_macs_per_cycle"])) if "compute" in data else None,
        path=path,
    )


# family -> (reset clock, PLL step, lowest and highest PLL clock) of the clock
# set-up in firmware_templates/cortex-m/clock.c (the PLL's VCO limits).
_STM32_CLOCKS = {
    "stm32l4": (4_000_000, 4_000_000, 32_000_000, 120_000_000),
    "stm32f4": (16_000_000, 2_000_000, 50_000_000, 168_000_000),
}


def _uart_clock(family: str, clock_hz: int, rcc_enable_offset: int) -> int:
    """The UART's clock at a core clock, as clock.c sets the bus prescalers."""
    if family == "stm32l4":
        return clock_hz  # LPUART1 on PCLK1 = SYSCLK
    apb1 = 1 if clock_hz <= 45_000_000 else (2 if clock_hz <= 90_000_000 else 4)
    apb2 = 1 if clock_hz <= 90_000_000 else 2
    return clock_hz // (apb1 if rcc_enable_offset == 0x40 else apb2)


def _validate_stm32_clock(path: Path, data: dict[str, Any]) -> None:
    reset_hz, step, lowest, highest = _STM32_CLOCKS[data["family"]]
    clock = data["clock_hz"]
    if clock != reset_hz and (clock % step or not lowest <= clock <= highest):
        raise _fail(path, "clock_hz", f"{clock} cannot be set up for family {data['family']}",
                    f"use the reset clock {reset_hz} or a multiple of {step} Hz from {lowest} to {highest} Hz")
    serial = data["serial"]
    expected = reset_hz if clock == reset_hz else _uart_clock(data["family"], clock, serial["rcc_enable_offset"])
    if serial["clock_hz"] != expected:
        raise _fail(path, "serial.clock_hz", f"is {serial['clock_hz']}, but the UART runs at {expected} Hz "
                    f"with the core at {clock} Hz", f"set serial.clock_hz = {expected}")
    if data["timer"]["kind"] == "dwt" and data["timer"]["hz"] != clock:
        raise _fail(path, "timer.hz", "of the DWT cycle counter must equal clock_hz", f"set timer.hz = {clock}")


def _validate_emulated_timer(path: Path, data: dict[str, Any]) -> None:
    """An emulated board's timer is fixed by the machine: its SysTick clock (when
    the machine is known) and, through -icount, its instructions per tick."""
    timer, launch = data["timer"], data["launch"]
    if launch["method"] != "qemu":
        if "instructions_per_tick" in timer:
            raise _fail(path, "timer.instructions_per_tick", "is only meaningful on an emulated board",
                        "remove it: a real board's timer counts cycles or time, not instructions")
        return
    if timer["kind"] != "systick":
        raise _fail(path, "timer.kind", f"is '{timer['kind']}', but an emulated board counts with its SysTick",
                    'use kind = "systick" (QEMU does not emulate the DWT cycle counter)')
    machine_hz = QEMU_SYSTICK_HZ.get(launch["machine"])
    if machine_hz is not None and timer["hz"] != machine_hz:
        raise _fail(path, "timer.hz", f"is {timer['hz']}, but QEMU's {launch['machine']} runs its SysTick "
                    f"at {machine_hz} Hz", f"set timer.hz = {machine_hz}")
    expected = icount_instructions_per_tick(timer["hz"])
    given = timer.get("instructions_per_tick")
    if given is not None and abs(given - expected) > 1e-9 * expected:
        raise _fail(path, "timer.instructions_per_tick",
                    f"is {given}, but -icount shift={ICOUNT_SHIFT} (one instruction per {2**ICOUNT_SHIFT} ns) "
                    f"with a SysTick at {timer['hz']} Hz gives {expected:.12g} instructions per tick",
                    f"remove the key (tinyvid derives it) or set it to {expected:.12g}")


def _one_of(path: Path, key: str, value: str, valid) -> None:
    if value not in valid:
        raise _fail(path, key, f"is '{value}'", f"use one of: {', '.join(sorted(valid))}")


def _validate(path: Path, data: dict[str, Any]) -> None:
    if not _NAME.match(data["name"]):
        raise _fail(path, "name", f"'{data['name']}' is not a valid board name", "use lower-case letters, digits, '-' and '_'")
    if data["name"] != path.stem:
        raise _fail(path, "name", f"'{data['name']}' differs from the file name", f"name the file {data['name']}.toml")
    _one_of(path, "core", data["core"], _CORES)
    _one_of(path, "fpu", data["fpu"], _FPUS)
    _one_of(path, "family", data["family"], _FAMILIES)
    templates = {p.name for p in templates_dir().iterdir() if p.is_dir() and p.name != "common"}
    _one_of(path, "template", data["template"], templates)
    is_host = data["launch"]["method"] == "host"
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
    _one_of(path, "launch.method", launch["method"], _LAUNCH_METHODS)
    if launch["method"] == "qemu" and not launch.get("machine"):
        raise _fail(path, "launch.machine", "is required for method 'qemu'", "name the QEMU machine, e.g. mps2-an386")
    if launch["method"] in ("openocd", "pyocd", "st-flash") and not launch.get("command"):
        raise _fail(path, "launch.command", f"is required for method '{launch['method']}'", "give the flash command as a list")
    for key in ("args", "command"):
        if not all(isinstance(item, str) for item in launch.get(key, [])):
            raise _fail(path, f"launch.{key}", "must be a list of strings", "quote every argument")
    if (launch["method"] in ("qemu", "host")) != data["runs_here"]:
        raise _fail(path, "runs_here", "contradicts launch.method", "boards that run here are launched by 'qemu' or 'host'")
    serial = data["serial"]
    _one_of(path, "serial.driver", serial["driver"], set(_FAMILIES.values()))
    if serial["driver"] != _FAMILIES[data["family"]]:
        raise _fail(path, "serial.driver", f"'{serial['driver']}' does not match family '{data['family']}'",
                    f"family {data['family']} uses {_FAMILIES[data['family']]}")
    if serial["baud"] <= 0:
        raise _fail(path, "serial.baud", "must be > 0", "use 115200")
    for usb_id in serial.get("usb_ids", []):
        if not isinstance(usb_id, str) or not _USB_ID.match(usb_id):
            raise _fail(path, "serial.usb_ids", f"has '{usb_id}'", "write USB ids as lower-case hex 'vid:pid', e.g. '0483:374b'")
    if not is_host:
        for key in ("base", "clock_hz"):
            if key not in serial:
                raise _fail(path, f"serial.{key}", "is required for a Cortex-M board", "see boards/qemu-mps2-an386.toml")
    if data["family"] in ("stm32f4", "stm32l4"):
        for key in ("tx_pin", "rx_pin", "alternate_function", "rcc_enable_offset", "rcc_enable_bit"):
            if key not in serial:
                raise _fail(path, f"serial.{key}", "is required for an STM32 board", "see boards/nucleo-f446re.toml")
        for key in ("tx_pin", "rx_pin"):
            if not _PIN.match(serial[key]):
                raise _fail(path, f"serial.{key}", f"'{serial[key]}' is not a pin name", "write pins as PA2, PG7, ...")
        if not 0 <= serial["alternate_function"] <= 15:
            raise _fail(path, "serial.alternate_function", "must be 0..15", "see the chip's datasheet")
        if not 0 <= serial["rcc_enable_bit"] <= 31:
            raise _fail(path, "serial.rcc_enable_bit", "must be 0..31", "see the chip's reference manual")
    if data["family"] in _STM32_CLOCKS and launch["method"] != "qemu":
        _validate_stm32_clock(path, data)
    timer = data["timer"]
    _one_of(path, "timer.kind", timer["kind"], _TIMERS)
    if timer["hz"] <= 0:
        raise _fail(path, "timer.hz", "must be > 0", "give the timer's ticks per second")
    _validate_emulated_timer(path, data)
    if not is_host:
        for table in ("power", "compute"):
            if table not in data:
                raise BoardError(f"{path}: missing table [{table}]", f"add [{table}] (see boards/qemu-mps2-an386.toml)")
    if "power" in data and (data["power"]["volts"] <= 0 or data["power"]["active_ma"] <= 0):
        raise _fail(path, "power", "needs volts and active_ma > 0", "give the datasheet's typical run figures")
    if "compute" in data and data["compute"]["peak_macs_per_cycle"] <= 0:
        raise _fail(path, "compute.peak_macs_per_cycle", "must be > 0", "2.0 for cores with SMLAD")
