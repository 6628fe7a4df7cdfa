"""Finds a real board's serial port from the USB ids in its board file: the one
place tinyvid looks at this machine's serial ports."""

from __future__ import annotations

from tinyvid.boards import Board
from tinyvid.errors import TransportError


def list_serial_ports() -> list[str]:
    """Describe every serial port of this machine, one string each."""
    from serial.tools import list_ports

    ports = []
    for port in list_ports.comports():
        usb = f" [{port.vid:04x}:{port.pid:04x}]" if port.vid is not None else ""
        ports.append(f"{port.device}{usb} {port.description or ''}".rstrip())
    return ports


def ports_hint() -> str:
    ports = list_serial_ports()
    return "ports on this machine: " + (", ".join(ports) if ports else "none found")


def find_serial_ports(board: Board) -> list[str]:
    """Serial ports whose USB VID:PID is one of the board's (e.g. an ST-LINK's
    virtual COM port), sorted; empty when none is plugged in."""
    from serial.tools import list_ports

    wanted = {usb_id.lower() for usb_id in board.serial.usb_ids}
    found = []
    for port in list_ports.comports():
        if port.vid is None or port.pid is None:
            continue
        if f"{port.vid:04x}:{port.pid:04x}" in wanted:
            found.append(port.device)
    return sorted(found)


def find_board_port(board: Board) -> str:
    """The serial port of the one attached board with one of ``board``'s USB ids."""
    found = find_serial_ports(board)
    wanted = ", ".join(board.serial.usb_ids)
    if not found:
        raise TransportError(
            f"no serial port with a USB id of {board.name} ({wanted}) is attached",
            hint="check the cable (a charge-only cable has no data lines) and that the board is powered, "
            "or give --port; " + ports_hint(),
        )
    if len(found) > 1:
        raise TransportError(f"{len(found)} attached ports have a USB id of {board.name}: {', '.join(found)}",
                             hint="pick one with --port")
    return found[0]
