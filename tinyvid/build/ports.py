"""Finds a real board's serial port from the USB ids in its board file."""

from __future__ import annotations

from tinyvid.boards import Board


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
