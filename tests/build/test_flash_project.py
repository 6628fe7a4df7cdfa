"""Flashing real boards with the board's own tool, and the errors users see."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import TINY_MODEL, have_arm_toolchain

from tinyvid.boards import load_board
from tinyvid.build import build_project, find_serial_ports, flash_project
from tinyvid.errors import ProjectError
from tinyvid.project import generate_project

needs_arm = pytest.mark.skipif(not have_arm_toolchain(), reason="arm-none-eabi-gcc is not installed")


def _board_with_command(tmp_path: Path, name: str, command: list[str]) -> Path:
    text = load_board("nucleo-f446re").path.read_text()
    start = text.index("command = [")
    end = text.index("\n", start)
    quoted = ", ".join(f'"{part}"' for part in command)
    text = text[:start] + f"command = [{quoted}]" + text[end:]
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace('name = "nucleo-f446re"', f'name = "{name}"'))
    return path


@needs_arm
def test_runs_the_boards_flash_command_with_the_image_paths(tmp_path):
    record = tmp_path / "args.txt"
    tool = tmp_path / "fake_flash.py"
    tool.write_text(f"import sys\nopen({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\nprint('programmed')\n")
    board = _board_with_command(tmp_path, "my-nucleo", [sys.executable, str(tool), "{elf}", "{hex}", "{bin}"])
    project = generate_project(TINY_MODEL, board, tmp_path / "p")
    build_project(project.path)
    assert "programmed" in flash_project(project.path)
    elf, hexfile, binfile = record.read_text().splitlines()
    assert elf.endswith("build/firmware.elf") and hexfile.endswith(".hex") and binfile.endswith(".bin")
    assert Path(elf).is_file() and Path(hexfile).is_file() and Path(binfile).is_file()


@needs_arm
def test_a_missing_flash_tool_is_named_with_how_to_install_it(tmp_path):
    board = _board_with_command(tmp_path, "no-tool", ["openocd-not-installed-here", "{elf}"])
    project = generate_project(TINY_MODEL, board, tmp_path / "p")
    build_project(project.path)
    with pytest.raises(ProjectError) as err:
        flash_project(project.path)
    assert "'openocd-not-installed-here' is not installed" in err.value.message and err.value.hint


@needs_arm
def test_a_failing_flash_tool_says_the_board_may_be_missing(tmp_path):
    tool = tmp_path / "no_board.py"
    tool.write_text("import sys\nprint('Error: open failed: no ST-LINK found')\nsys.exit(1)\n")
    board = _board_with_command(tmp_path, "unplugged", [sys.executable, str(tool), "{elf}"])
    project = generate_project(TINY_MODEL, board, tmp_path / "p")
    build_project(project.path)
    with pytest.raises(ProjectError) as err:
        flash_project(project.path)
    assert "no ST-LINK found" in err.value.message and "plugged in" in err.value.hint


def test_an_unbuilt_project_is_not_flashed(tmp_path):
    project = generate_project(TINY_MODEL, "nucleo-l4r5zi", tmp_path / "p")
    with pytest.raises(ProjectError) as err:
        flash_project(project.path)
    assert "tinyvid build" in err.value.hint


def test_an_emulated_board_is_run_not_flashed(tmp_path):
    project = generate_project(TINY_MODEL, "qemu-mps2-an386", tmp_path / "p")
    with pytest.raises(ProjectError) as err:
        flash_project(project.path)
    assert "runs here" in err.value.message and "tinyvid run" in err.value.hint


def test_serial_ports_are_found_by_the_boards_usb_ids(monkeypatch):
    from serial.tools import list_ports
    from serial.tools.list_ports_common import ListPortInfo

    stlink, other = ListPortInfo("/dev/ttyACM7"), ListPortInfo("/dev/ttyUSB0")
    stlink.vid, stlink.pid = 0x0483, 0x374B
    other.vid, other.pid = 0x1A86, 0x7523
    monkeypatch.setattr(list_ports, "comports", lambda: [other, stlink])
    assert find_serial_ports(load_board("nucleo-l4r5zi")) == ["/dev/ttyACM7"]
    assert find_serial_ports(load_board("qemu-mps2-an386")) == []
