"""bench on a fake board: latency from laps, work from tv-perf, derived figures."""

import json

import pytest

from tinyvid.boards import load_board
from tinyvid.harness.bench import bench, pick_iterations
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.harness.reporters import bench_text, to_json


def client_for(dut):
    return DutClient(FakeTransport(dut), quiet=0.01).open()


def test_emulated_board_reports_instructions_from_ticks_and_the_board_factor():
    board = load_board("qemu-mps2-an386")
    dut = FakeDut(us_per_inference=2000, ticks_per_inference=64000, macs=40_000)
    result = bench(client_for(dut), windows=3, iterations=4, board=board, sizes={"flash_bytes": 12345})
    assert len(result.windows) == 3
    assert all(w.iterations == 4 for w in result.windows)
    assert result.latency_us.median == 2000
    assert result.work_unit == "instructions"
    assert result.work.median == 64000 * board.timer.instructions_per_tick
    assert result.macs_per_unit == pytest.approx(40_000 / 20_000)
    assert result.fraction_of_peak == pytest.approx(2.0 / board.compute.peak_macs_per_cycle)
    assert result.arena_bytes == dut.arena_bytes and result.flash_bytes == 12345
    # The laps are QEMU's virtual time: the board's latency is estimated from the
    # exact instruction count at the board clock (20,000 at 25 MHz = 800 us).
    assert result.board_latency_us == pytest.approx(800)
    assert "one instruction per cycle" in result.board_latency_basis
    # V x mA x us / 1000 = uJ
    assert result.energy_uj == pytest.approx(board.power.volts * board.power.active_ma * 800 / 1000)
    assert "estimate" in result.energy_basis


def test_a_real_board_with_dwt_reports_cycles():
    board = load_board("nucleo-f446re")
    result = bench(client_for(FakeDut(timer="dwt", ticks_per_inference=5000)), windows=2, iterations=2, board=board)
    assert result.work_unit == "cycles"
    assert result.work.median == 5000
    assert result.board_latency_us is None  # a real board's laps are its own time
    assert result.energy_uj == pytest.approx(board.power.volts * board.power.active_ma * 1500 / 1000)


def test_iterations_default_to_about_a_second_per_window():
    dut = FakeDut(us_per_inference=10_000)
    result = bench(client_for(dut), windows=2)
    assert result.windows[0].iterations == 100
    assert pick_iterations(0.5) == 100_000
    assert pick_iterations(3e6) == 1


def test_a_plain_board_gives_latency_without_work_counts():
    result = bench(client_for(FakeDut(extensions=False)), windows=2, iterations=3)
    assert result.work is None and result.macs_per_unit is None
    assert result.latency_us.median == 1500
    assert any("no tv- extensions" in note for note in result.notes)


def test_results_render_as_text_and_json():
    board = load_board("qemu-mps2-an386")
    result = bench(client_for(FakeDut()), windows=2, iterations=2, board=board)
    text = bench_text(result)
    assert "instructions" in text and "(estimate)" in text and "of the core's peak" in text
    data = json.loads(to_json(result))
    assert data["energy_is_estimate"] is True
    assert data["latency_us"]["median"] == 1500
    assert result.metrics()["instructions"] == data["work"]["median"]


def test_the_progress_bar_goes_to_stderr(capsys):
    bench(client_for(FakeDut()), windows=2, iterations=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "window" in captured.err


def test_a_window_interrupted_by_a_reset_is_run_again_on_a_reloaded_input():
    dut = FakeDut(faults={6: "reset"})  # tv-info, name, profile, tv-load, infer #1, tv-perf, then infer #2
    client = client_for(dut)
    result = bench(client, windows=3, iterations=2)
    assert len(result.windows) == 3
    assert "window 2 repeated" in result.notes[0]
    assert client.resets_seen == 1
    assert bytes(client.transport.written).count(b"tv-load 16%") == 2  # the input was loaded again
