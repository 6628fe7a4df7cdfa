"""On the real emulated Cortex-M4F, which counts instructions and not cycles, a
cycles budget is an error (exit 2) naming what the board reports, never a pass."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from tinyvid.cli import main

pytestmark = [
    pytest.mark.emulated,
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs qemu-system-arm and arm-none-eabi-gcc"),
]


def test_a_cycles_budget_on_the_emulated_board_exits_2_and_names_the_reported_metrics(vww_model, tmp_path):
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    generate_project(vww_model, "qemu-mps2-an386", tmp_path / "p")
    build_project(tmp_path / "p")
    out = CliRunner().invoke(main, ["bench", "--project", str(tmp_path / "p"), "--windows", "1", "--iterations", "1",
                                    "--budget", "cycles=1e12", "--json"])
    assert out.exit_code == 2, out.output
    error = json.loads(out.stdout)["error"]
    assert error["type"] == "UnmeasuredBudget"
    assert error["message"].startswith("budget on cycles cannot be checked: bench on qemu-mps2-an386 does not report it")
    assert "instructions" in error["message"] and "--budget" in error["hint"]
    assert json.loads(out.stdout)["partial"]["work"]["median"] > 1e6  # the instructions were measured
