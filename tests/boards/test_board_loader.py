"""Board files: every shipped board loads; broken files are rejected naming the
file and the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tinyvid.boards import DEFAULT_BOARD, SCHEMA_VERSION, Board, list_boards, load_board
from tinyvid.errors import BoardError

HERE = Path(__file__).resolve().parent
INVALID = sorted(HERE.glob("invalid_*.toml"))
EMULATED = ["qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps2-an505", "qemu-mps3-an547", "qemu-netduinoplus2"]
REAL = ["nucleo-l4r5zi", "nucleo-f446re"]


def test_ships_the_host_the_emulated_and_the_real_boards():
    names = {board.name for board in list_boards()}
    assert {"host", *EMULATED, *REAL} <= names


def test_default_board_is_the_emulated_cortex_m4():
    board = load_board(DEFAULT_BOARD)
    assert board.name == "qemu-mps2-an386"
    assert board.core == "cortex-m4" and board.emulated and board.runs_here
    assert board.launch.machine == "mps2-an386"


@pytest.mark.parametrize("name", EMULATED)
def test_emulated_boards_count_instructions_with_a_stated_ratio(name):
    board = load_board(name)
    # QEMU -icount shift=7: one instruction per 128 ns of guest time.
    assert board.timer.kind == "systick"
    assert board.timer.instructions_per_tick == pytest.approx(1e9 / (128 * board.timer.hz))


@pytest.mark.parametrize("name", REAL)
def test_real_boards_are_compiled_only_with_a_flash_tool_and_usb_ids(name):
    board = load_board(name)
    assert not board.runs_here and board.availability == "compiled only"
    assert board.timer.kind == "dwt" and board.timer.hz == board.clock_hz
    assert board.launch.command and "{elf}" in " ".join(board.launch.command)
    assert board.serial.usb_ids and board.power and board.compute


def test_mlperf_reference_board_uses_lpuart1_on_port_g():
    board = load_board("nucleo-l4r5zi")
    assert board.serial.driver == "stm32-lpuart"
    assert (board.serial.base, board.serial.tx_pin, board.serial.rx_pin) == (0x40008000, "PG7", "PG8")
    assert board.memory.flash_bytes == 2 * 1024 * 1024 and board.memory.ram_bytes == 640 * 1024


def test_netduinoplus2_has_the_real_chips_memory():
    board = load_board("qemu-netduinoplus2")
    assert (board.memory.flash_bytes, board.memory.ram_bytes) == (1024 * 1024, 192 * 1024)


def test_loads_a_board_file_by_path(tmp_path):
    text = (load_board(DEFAULT_BOARD).path).read_text().replace('name = "qemu-mps2-an386"', 'name = "my-board"')
    path = tmp_path / "my-board.toml"
    path.write_text(text)
    board = load_board(path)
    assert board.name == "my-board" and board.path == path


def test_board_records_are_frozen():
    board = load_board("host")
    with pytest.raises(dataclasses.FrozenInstanceError):
        board.name = "other"  # type: ignore[misc]
    assert isinstance(board, Board)


def test_unknown_board_name_lists_the_known_ones():
    with pytest.raises(BoardError) as err:
        load_board("arduino-uno")
    assert "arduino-uno" in err.value.message
    assert "qemu-mps2-an386" in err.value.hint


def test_every_invalid_fixture_is_covered():
    assert len(INVALID) >= 15


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_board_file_is_rejected_naming_file_and_key(path):
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(BoardError) as err:
        load_board(path)
    assert str(path) in err.value.message
    assert expected in err.value.message
    assert err.value.hint


def test_schema_version_is_one():
    assert SCHEMA_VERSION == 1
    for board in list_boards():
        assert "schema_version = 1" in board.path.read_text()


def _emulated_board_file(tmp_path, timer: str) -> Path:
    """A copy of the default board named my-board, with its [timer] table replaced."""
    text = load_board(DEFAULT_BOARD).path.read_text()
    head, _, rest = text.partition("[timer]")
    tail = rest[rest.index("[power]"):]
    path = tmp_path / "my-board.toml"
    path.write_text(head.replace('name = "qemu-mps2-an386"', 'name = "my-board"') + "[timer]\n" + timer + "\n" + tail)
    return path


def test_an_emulated_boards_instructions_per_tick_is_derived_from_icount_and_the_systick_clock(tmp_path):
    # -icount shift=7: 128 ns of guest time per instruction; 25 MHz SysTick: 3.2 ticks.
    board = load_board(_emulated_board_file(tmp_path, 'kind = "systick"\nhz = 25_000_000\n'))
    assert board.timer.instructions_per_tick == 1 / (25e6 * 128e-9) == 0.3125


def test_a_board_file_stating_a_wrong_instructions_per_tick_is_refused_naming_the_right_one(tmp_path):
    path = _emulated_board_file(tmp_path, 'kind = "systick"\nhz = 25_000_000\ninstructions_per_tick = 3.2\n')
    with pytest.raises(BoardError) as err:
        load_board(path)
    assert "timer.instructions_per_tick" in err.value.message and "is 3.2" in err.value.message
    assert "0.3125" in err.value.message and "0.3125" in err.value.hint


def test_a_board_file_agreeing_with_the_machine_may_state_it(tmp_path):
    path = _emulated_board_file(tmp_path, 'kind = "systick"\nhz = 25_000_000\ninstructions_per_tick = 0.3125\n')
    assert load_board(path).timer.instructions_per_tick == 0.3125


def test_an_emulated_systick_clock_other_than_the_machines_is_refused(tmp_path):
    path = _emulated_board_file(tmp_path, 'kind = "systick"\nhz = 2_500_000\n')
    with pytest.raises(BoardError) as err:
        load_board(path)
    assert "mps2-an386 runs its SysTick at 25000000 Hz" in err.value.message
    assert err.value.hint == "set timer.hz = 25000000"


def test_the_emulator_is_launched_with_the_shift_the_ratio_is_derived_from(tmp_path):
    from tinyvid.boards.emulation import ICOUNT_SHIFT
    from tinyvid.build.launch import qemu_command

    command = qemu_command(load_board(DEFAULT_BOARD), tmp_path / "f.elf", 1234)
    assert command[command.index("-icount") + 1].startswith(f"shift={ICOUNT_SHIFT},")
