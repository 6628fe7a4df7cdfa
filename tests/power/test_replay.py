"""Replayed Joulescope and PPK2 traces: bench's energy per inference is the
trace's integral over the board's timed windows (computed here independently)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinyvid.boards import load_board
from tinyvid.errors import PowerError
from tinyvid.harness.bench import bench
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.power.monitor import EnergyMeter, open_monitor
from tinyvid.power.trace import read_trace, write_trace

VOLTS = 3.3
WINDOWS = [(0.100, 0.350), (0.500, 0.760), (0.900, 1.140)]  # seconds of the monitor's clock
ITERATIONS = 8


def current(t):
    """A board's current: 0.4 mA asleep, ~12 mA with a ripple while inferring."""
    t = np.asarray(t, float)
    inside = np.zeros_like(t, bool)
    for a, b in WINDOWS:
        inside |= (t >= a) & (t < b)
    return np.where(inside, 12e-3 + 1.5e-3 * np.sin(2 * np.pi * 37 * t), 0.4e-3)


def pin(t):
    """The timestamp pin high over each timed region."""
    t = np.asarray(t, float)
    return np.any([(t >= a) & (t < b) for a, b in WINDOWS], axis=0)


def expected_uj_per_inference():
    """The integral of V x I over each window, by dense sampling of the function itself."""
    out = []
    for a, b in WINDOWS:
        t = np.linspace(a, b, 200_001)
        out.append(float(np.sum((current(t[1:]) + current(t[:-1])) / 2 * np.diff(t))) * VOLTS / ITERATIONS * 1e6)
    return out


def joulescope_csv(path, rate=20_000):
    """As the Joulescope UI exports: time, current, voltage, power and a digital input."""
    t = np.arange(0, 1.3, 1 / rate)
    i = current(t)
    table = np.column_stack([t, i, np.full_like(t, VOLTS), i * VOLTS, pin(t)])
    np.savetxt(path, table, fmt=["%.7f", "%.9e", "%.4f", "%.9e", "%d"], delimiter=",",
               header="time (s),current (A),voltage (V),power (W),in0", comments="#")
    return path


def ppk2_csv(path, rate=100_000):
    """As nRF Connect's Power Profiler exports a PPK2 capture: ms, uA and D0-D7."""
    t = np.arange(0, 1.3, 1 / rate)
    bits = np.where(pin(t), "10000000", "00000000")
    lines = [f"{a:.3f},{b:.3f},{c}" for a, b, c in zip((t * 1e3).tolist(), (current(t) * 1e6).tolist(), bits)]
    path.write_text("Timestamp(ms),Current(uA),D0-D7\n" + "\n".join(lines) + "\n")
    return path


def bench_with(spec: str, *, windows: int = len(WINDOWS)):
    board = load_board("nucleo-f446re")
    client = DutClient(FakeTransport(FakeDut(timer="dwt", us_per_inference=30_000)), quiet=0.01).open()
    with EnergyMeter(open_monitor(spec, volts=VOLTS)) as meter:
        return bench(client, windows=windows, iterations=ITERATIONS, board=board, meter=meter)


@pytest.mark.parametrize("maker", [joulescope_csv, ppk2_csv], ids=["joulescope", "ppk2"])
def test_a_replayed_trace_gives_its_integral_over_the_windows_per_inference(tmp_path, maker):
    trace = maker(tmp_path / "trace.csv")
    result = bench_with(f"replay:{trace},sync=both,volts={VOLTS}")
    assert result.complete, result.error
    assert result.energy_source == "measured" and result.to_dict()["energy_is_estimate"] is False
    expected = expected_uj_per_inference()
    assert result.energy_per_window_uj == pytest.approx(expected, rel=0.01)
    assert result.energy_uj == pytest.approx(float(np.median(expected)), rel=0.01)
    # while inferring: 12 mA (the ripple averages out) at 3.3 V
    assert result.average_power_mw == pytest.approx(12 * VOLTS, rel=0.01)
    assert result.energy_estimate_uj is not None and "measured: replay of" in result.energy_basis


def test_a_recorded_trace_replays_to_the_same_figures(tmp_path):
    original = read_trace(joulescope_csv(tmp_path / "js.csv"))
    copy = write_trace(original, tmp_path / "copy.csv")
    again = read_trace(copy)
    assert again.edges == original.edges
    first = bench_with(f"replay:{tmp_path / 'js.csv'},sync=both")
    second = bench_with(f"replay:{copy},sync=both")
    assert second.energy_per_window_uj == pytest.approx(first.energy_per_window_uj, rel=1e-12)


def test_a_trace_whose_pin_does_not_match_the_windows_keeps_the_windows_and_says_why(tmp_path):
    trace = ppk2_csv(tmp_path / "ppk2.csv")
    result = bench_with(f"replay:{trace},sync=both,volts={VOLTS}", windows=2)
    assert len(result.windows) == 2 and result.latency_us.median == 30_000  # measured and kept
    assert result.error_type == "PowerError" and "3 timestamp-pin windows" in result.error
    assert "board ran 2 timed windows" in result.error
    assert result.energy_source != "measured"


def test_a_ppk2_trace_without_a_voltage_needs_one(tmp_path):
    trace = ppk2_csv(tmp_path / "ppk2.csv")
    with pytest.raises(PowerError, match="no voltage column") as info:
        open_monitor(f"replay:{trace}").open()
    assert "volts=3.3" in info.value.hint


def test_a_missing_trace_file_is_a_clear_error(tmp_path):
    with pytest.raises(PowerError, match="cannot read trace"):
        open_monitor(f"replay:{tmp_path / 'none.csv'}").open()


def test_the_json_of_a_measured_bench_says_measured(tmp_path):
    from tinyvid.harness.reporters import bench_text, to_json

    result = bench_with(f"replay:{joulescope_csv(tmp_path / 'js.csv')},sync=both")
    data = json.loads(to_json(result))
    assert data["energy_source"] == "measured" and data["average_power_mw"] > 0
    assert "(measured)" in bench_text(result) and "the board file's estimate" in bench_text(result)
