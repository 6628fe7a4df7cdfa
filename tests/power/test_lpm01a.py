"""The LPM01A driver against an emulated PowerShield on a pseudo-terminal."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from tinyvid.boards import load_board
from tinyvid.errors import PowerError
from tinyvid.harness.bench import bench
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.power.emulator import EmulatedLPM01A
from tinyvid.power.lpm01a import decode_sample, encode_sample
from tinyvid.power.monitor import EnergyMeter, open_monitor
from tinyvid.power.trace import FALL, read_trace


def test_ascii_dec_samples_decode_as_the_manual_says():
    assert decode_sample("6409-07") == pytest.approx(640.9e-6)
    assert decode_sample("2500-06") == pytest.approx(2.5e-3)
    assert decode_sample("TimeStamp: 001s 000ms") is None
    for value in (640.9e-6, 2.5e-3, 31.99e-3, 7.5e-9):
        assert decode_sample(encode_sample(value)) == pytest.approx(value, rel=1e-3)


def test_samples_run_together_on_one_line_are_each_kept():
    from tinyvid.power.lpm01a import LPM01A
    from tinyvid.power.spec import parse_spec

    monitor = LPM01A(parse_spec("lpm01a:/dev/null"))
    monitor._started = 0.0
    for line in ("2500-06", "2500-062400-06", "event 1 fal", "TimeStamp: 001s 000ms, buff 00%", "2300-06"):
        monitor._on_line(line)
    assert monitor._samples == pytest.approx([2.5e-3, 2.5e-3, 2.4e-3, 2.3e-3])
    assert monitor._edges == [(3, FALL)]


def bench_on_emulated_monitor(tmp_path, spec_keys: str, board_name: str = "nucleo-f446re"):
    board = load_board(board_name)
    client = DutClient(FakeTransport(FakeDut(timer="dwt", us_per_inference=25_000)), quiet=0.01).open()
    with EmulatedLPM01A(board) as emulated:
        spec = f"lpm01a:{emulated.port},{spec_keys},record={tmp_path / 'trace.csv'}"
        with EnergyMeter(open_monitor(spec, volts=board.power.volts)) as meter:
            result = bench(client, windows=3, iterations=8, board=board, meter=meter)
        return result, emulated.commands, board


def test_bench_measures_the_emulated_boards_current_over_its_windows(tmp_path):
    result, commands, board = bench_on_emulated_monitor(tmp_path, "freq=5k")
    assert result.complete, result.error
    assert commands[:2] == ["htc", "volt 3300m"] and "eventsrc d7 fal" in commands and "start" in commands
    assert commands[-2:] == ["stop", "hrc"]
    # active current x latency: 3.3 V x 32 mA x 25 ms = 2640 uJ per inference
    expected = board.power.volts * board.power.active_ma * 25_000 / 1000
    assert result.energy_source == "measured"
    assert result.energy_uj == pytest.approx(expected, rel=0.01)
    assert result.energy_uj == pytest.approx(result.energy_estimate_uj, rel=0.01)
    assert result.average_power_mw == pytest.approx(board.power.volts * board.power.active_ma, rel=0.01)
    # the recorded trace, integrated here over its falling-edge pairs, gives the same
    trace = read_trace(tmp_path / "trace.csv")
    falls = [t for t, kind in trace.edges if kind == FALL]
    assert len(falls) == 6
    for (a, b), measured in zip(zip(falls[0::2], falls[1::2]), result.energy_per_window_uj):
        inside = (trace.time_s >= a) & (trace.time_s < b)
        own = float(np.sum(trace.power_w[inside])) / 5000 / 8 * 1e6
        assert measured == pytest.approx(own, rel=0.01)


def test_energy_output_samples_integrate_to_the_same_energy(tmp_path):
    result, commands, board = bench_on_emulated_monitor(tmp_path, "freq=2k,output=energy,sync=rise")
    assert result.complete, result.error
    assert "output energy" in commands and "eventsrc d7 ris" in commands
    expected = board.power.volts * board.power.active_ma * 25_000 / 1000
    assert result.energy_uj == pytest.approx(expected, rel=0.01)


def test_a_frequency_the_powershield_refuses_is_its_error_in_one_line(tmp_path):
    board = load_board("nucleo-f446re")
    with EmulatedLPM01A(board) as emulated:
        monitor = open_monitor(f"lpm01a:{emulated.port},freq=10k")
        with monitor:
            with pytest.raises(PowerError, match="refused 'start': ascii_dec at 10000 Hz allows acqtime <= 1 s"):
                monitor.start()


def test_a_missing_device_and_a_silent_one_are_clear_errors(tmp_path):
    with pytest.raises(PowerError, match="cannot open the LPM01A on /dev/ttyNOPE") as info:
        open_monitor("lpm01a:/dev/ttyNOPE").open()
    assert "USB cable" in info.value.hint
    master, slave = os.openpty()  # a tty where nothing answers
    try:
        started = time.monotonic()
        with pytest.raises(PowerError, match="no answer from the LPM01A .* to 'htc'") as info:
            open_monitor(f"lpm01a:{os.ttyname(slave)}").open()
        assert time.monotonic() - started < 6 and "PowerShield" in info.value.hint
    finally:
        os.close(master)
        os.close(slave)
