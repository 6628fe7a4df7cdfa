"""Arm MPS2 / MPS2+ FPGA images (AN385, AN386, AN500, AN505), as QEMU emulates
them: CMSDK APB UARTs, a fixed clock."""

from __future__ import annotations

from tinyvid.families._cortexm import CortexMFamily


class Mps2(CortexMFamily):
    name = "mps2"
    serial_drivers = ("cmsdk-uart",)


FAMILY = Mps2()
