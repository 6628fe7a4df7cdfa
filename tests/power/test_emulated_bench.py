"""A real bench on the emulated Cortex-M4F (qemu-mps2-an386) with the emulated
LPM01A on a pty: the driver's measured energy per inference, over the board's
timed windows, agrees with the recorded trace and with the board file's figures."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.boards import load_board
from tinyvid.cli import main
from tinyvid.power.emulator import EmulatedLPM01A
from tinyvid.power.trace import FALL, read_trace

pytestmark = [
    pytest.mark.emulated,
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs qemu-system-arm and arm-none-eabi-gcc"),
]


SUITE = """version = 1
name = "energy"
work_dir = "work"
[[case]]
name = "vww"
model = "{model}"
boards = ["qemu-mps2-an386"]
windows = 2
iterations = 1
samples = 0
[case.budget]
energy_uj = 1e6
"""


def test_bench_and_regress_on_the_emulated_board_measure_energy_with_the_emulated_lpm01a(vww_model, tmp_path):
    from tinyvid.harness.suite import load_suite

    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE.format(model=vww_model))
    case_id = load_suite(suite).cases[0].id
    project = tmp_path / "work" / "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in case_id)
    board = load_board("qemu-mps2-an386")
    record = tmp_path / "trace.csv"
    with EmulatedLPM01A(board) as emulated:
        # regress generates and builds the project; bench then runs on the same one
        suite_out = CliRunner().invoke(main, ["regress", str(suite), "--power", f"lpm01a:{emulated.port},freq=5k",
                                              "--json"])
        out = CliRunner().invoke(main, ["bench", "--project", str(project), "--windows", "2", "--iterations",
                                        "1", "--power", f"lpm01a:{emulated.port},freq=5k,record={record}", "--json"])
    assert suite_out.exit_code == 0, suite_out.output
    case = json.loads(suite_out.stdout)["cases"][0]
    assert case["energy_source"] == "measured" and case["metrics"]["average_power_mw"] > 0
    assert "(measured)" in suite_out.stderr
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["energy_source"] == "measured" and result["energy_is_estimate"] is False
    assert result["power_monitor"].startswith("LPM01A on /dev/")
    # the board's timed region at its clock (instructions, one a cycle) x 3.3 V x 2.5 mA: the estimate's basis
    assert result["energy_uj"] == pytest.approx(result["energy_estimate_uj"], rel=0.01)
    assert result["average_power_mw"] == pytest.approx(board.power.volts * board.power.active_ma, rel=0.01)
    # the trace the driver recorded, integrated here between its falling-edge pairs
    trace = read_trace(record)
    falls = [t for t, kind in trace.edges if kind == FALL]
    assert len(falls) == 4
    own = []
    for a, b in zip(falls[0::2], falls[1::2]):
        inside = (trace.time_s >= a) & (trace.time_s < b)
        own.append(float(np.sum(trace.power_w[inside])) / 5000 * 1e6)
    assert result["energy_per_window_uj"] == pytest.approx(own, rel=0.01)
    assert case["metrics"]["energy_uj"] == pytest.approx(result["energy_uj"], rel=0.01)
