"""A point whose firmware overflows the board is measured as not fitting (the
linker's overflow, from the build), shown so and never recommended."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinyvid.sweep import recommend
from tinyvid.sweep.grid import Point
from tinyvid.sweep.report import table
from tinyvid.sweep.run import Settings, _record, _Stages

pytestmark = pytest.mark.emulated  # builds firmware with arm-none-eabi-gcc (boots nothing)

BOARDS = Path(__file__).resolve().parents[2] / "boards"


def test_a_model_that_overflows_the_board_is_a_point_that_does_not_fit(tmp_path, resnet8_model):
    text = (BOARDS / "qemu-netduinoplus2.toml").read_text()
    board = tmp_path / "tiny-flash.toml"
    board.write_text(text.replace('name = "qemu-netduinoplus2"', 'name = "tiny-flash"')
                     .replace("flash_bytes = 1_048_576", "flash_bytes = 65_536"))
    stages = _Stages(tmp_path / "sweep", Settings(board=str(board)), log=lambda line: None)
    point = Point(32, 1.0, 0.0, 0.0, True)
    _, built = stages.build(point, "k", {"int8_model": str(resnet8_model)})
    assert built["fits"] is False
    assert built["overflow"]["FLASH"] > 0
    assert f"overflows FLASH by {built['overflow']['FLASH']} bytes" in built["fit_message"]

    compressed = {"test_accuracy": 0.9, "float_accuracy": 0.9, "params": 77_706, "macs": 12_501_632,
                  "tflite_bytes": 98_496, "measured_sparsity": 0.0, "int8_model": str(resnet8_model)}
    record = _record(point, "k1", compressed, built, None)
    assert "does not fit" in table([record], set(), None)
    chosen = recommend([record], board="tiny-flash", flash_bytes=65_536, ram_bytes=196_608)
    assert chosen.point is None
    assert chosen.rejected == {"k1": [built["fit_message"]]}
