"""Lining a trace up with the board's windows by the board's clock (two anchors)."""

import numpy as np
import pytest

from tinyvid.errors import PowerError
from tinyvid.power.measure import BoardWindow, measure, trace_windows
from tinyvid.power.trace import Trace


def test_board_microseconds_map_through_the_two_anchors_offset_and_rate():
    t = np.linspace(0, 2, 20_001)
    # the monitor's clock runs 0.1% fast against the board's, and started 0.25 s before board time 1e6 us
    anchors = [(1_000_000.0, 0.25), (2_500_000.0, 0.25 + 1.5 * 1.001)]
    trace = Trace(t, np.full_like(t, 5e-3), 3.0, [], anchors, "synthetic")
    windows = [BoardWindow(1_200_000, 1_700_000, 10)]
    (a, b), = trace_windows(trace, windows, "timestamp")
    assert a == pytest.approx(0.25 + 0.2 * 1.001) and b == pytest.approx(0.25 + 0.7 * 1.001)
    result = measure(trace, windows, sync="timestamp", monitor="synthetic")
    assert result.energy_uj == pytest.approx(3.0 * 5e-3 * 0.5 * 1.001 / 10 * 1e6)


def test_a_window_outside_the_trace_or_no_anchors_is_an_error():
    t = np.linspace(0, 1, 1001)
    trace = Trace(t, np.ones_like(t), 3.0, [], [(0.0, 0.0)], "synthetic")
    with pytest.raises(PowerError, match="outside the trace"):
        measure(trace, [BoardWindow(500_000, 1_500_000, 1)], sync="timestamp", monitor="m")
    trace.anchors = []
    with pytest.raises(PowerError, match="no board-clock anchors"):
        measure(trace, [BoardWindow(0, 1, 1)], sync="timestamp", monitor="m")
