"""A stream's energy: the monitor's over the whole stream when one is configured,
lined up by the board's clock, else the estimate; the report says which."""

import numpy as np
import pytest

from tinyvid.boards import load_board
from tinyvid.power.estimate import stream_estimate
from tinyvid.power.monitor import EnergyMeter, open_monitor
from tinyvid.power.trace import Trace, write_trace


class BoardClock:
    """A board's ``timestamp``: 2 s of board time from 10 s on, read twice."""

    def __init__(self):
        self.reads = iter([10_000_000, 12_000_000])

    def timestamp(self):
        return next(self.reads)


def test_a_stream_measured_by_a_monitor_is_its_energy_per_frame_over_the_stream(tmp_path):
    t = np.linspace(0, 3, 30_001)
    current = np.where((t > 0.5) & (t < 2.5), 8e-3, 1e-3)
    # the monitor started 0.5 s before the board's 10 s; its clock and the board's agree
    trace = Trace(t, current, 3.0, [], [(10_000_000.0, 0.5), (12_000_000.0, 2.5)], "synthetic")
    path = write_trace(trace, tmp_path / "stream.csv")
    meter, clock = EnergyMeter(open_monitor(f"replay:{path},sync=timestamp")), BoardClock()
    with meter:
        meter.start(clock)
        measured = meter.finish_span(clock, 40)
    # 2 s at 8 mA and 3 V = 48 mJ over 40 frames = 1200 uJ a frame; 24 mW
    assert measured.energy_uj == pytest.approx(1200, rel=0.01)
    assert measured.average_power_mw == pytest.approx(24, rel=0.01)
    assert "lined up by the board's clock" in measured.basis


def test_the_stream_report_labels_measured_and_estimated_energy():
    from tinyvid.video.run import _measured_energy

    estimate = stream_estimate(load_board("qemu-mps2-an386"), 0.01, 0.02, 10.0, None)
    assert estimate["energy_source"] == "estimate" and estimate["duty_cycle"] == pytest.approx(0.1)
    r = dict(estimate)

    class M:
        energy_uj, average_power_mw, basis, monitor = 12.5, 1.25, "measured: replay of x", "replay of x"

    _measured_energy(r, M())
    assert r["energy_source"] == "measured" and r["energy_estimate_per_frame_uj"] == estimate["energy_per_frame_uj"]
    assert r["energy_per_frame_uj"] == 12.5 and r["energy_basis"].startswith("measured:")
