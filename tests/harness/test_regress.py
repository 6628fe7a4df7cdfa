"""regress: budgets, baseline drift, exit codes, JUnit/JSON and the atomic baseline,
with each case measured on a fake board through bench and validate."""

import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.boards import load_board
from tinyvid.cli import main
from tinyvid.errors import ProjectError
from tinyvid.harness import regress as regress_module
from tinyvid.harness.bench import bench
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.harness.inputs import Sample
from tinyvid.harness.regress import regress
from tinyvid.harness.reporters import suite_junit
from tinyvid.harness.validate import validate

SUITE = """
version = 1
name = "fake"
baseline = "baseline.json"
[tolerances]
latency_us = 0.05
[[case]]
name = "toy"
model = "toy.tflite"
boards = ["qemu-mps2-an386", "host"]
windows = 2
iterations = 3
samples = 4
[case.budget]
bit_exact = 1.0
latency_us = {budget}
"""


class FakeBoards:
    """Measures each case on a FakeDut: real bench/validate, fake board."""

    def __init__(self, us_per_inference=1500, fail=None):
        self.us = us_per_inference
        self.fail = fail

    def __call__(self, case):
        if self.fail == case.board:
            raise ProjectError(f"make failed for {case.board}", "see the build log")
        dut = FakeDut(us_per_inference=self.us)
        with DutClient(FakeTransport(dut), quiet=0.01) as client:
            result = bench(client, windows=case.windows, iterations=case.iterations, board=load_board(case.board))
            rng = np.random.default_rng(0)
            inputs = [Sample(str(i), rng.integers(0, 256, 16, dtype=np.uint8).tobytes(), i % 2)
                      for i in range(case.samples)]
            checked = validate(client, inputs, reference=dut.reference)
        return {**result.metrics(), **checked.metrics(), "notes": result.notes}


def suite_file(tmp_path, budget=100_000):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(budget=budget))
    return path


def test_a_suite_within_budget_passes(tmp_path):
    outcome = regress(suite_file(tmp_path), runner=FakeBoards())
    assert outcome.exit_code == 0
    assert [c.status for c in outcome.cases] == ["passed", "passed"]
    assert outcome.cases[0].metrics["bit_exact"] == 1.0
    assert outcome.cases[0].metrics["latency_us"] == 1500


def test_a_tightened_budget_exits_1_and_names_the_regression_and_its_size(tmp_path):
    lines = []
    outcome = regress(suite_file(tmp_path, budget=1000), runner=FakeBoards(), echo=lines.append)
    assert outcome.exit_code == 1
    text = "\n".join(lines)
    assert "REGRESSION latency_us 1500 vs budget <= 1000: +500 (+50.0%)" in text
    assert "0 passed, 2 regressed, 0 error(s)" in text


def test_drift_beyond_the_baseline_tolerance_is_a_regression(tmp_path):
    path = suite_file(tmp_path)
    first = regress(path, runner=FakeBoards(1500), update_baseline=True)
    assert first.exit_code == 0 and (tmp_path / "baseline.json").is_file()
    within = regress(path, runner=FakeBoards(1560))  # +4 %
    assert within.exit_code == 0
    slower = regress(path, runner=FakeBoards(1650))  # +10 %
    assert slower.exit_code == 1
    regressed = {f.metric: f for f in slower.cases[0].regressions}
    # On the emulated board energy is estimated from the (unchanged) instruction count.
    assert set(regressed) == {"latency_us"}
    finding = regressed["latency_us"]
    assert (finding.metric, finding.source, finding.reference, finding.value) == ("latency_us", "baseline", 1500, 1650)
    assert "+10.0%" in finding.describe() and "allowed <= 1575" in finding.describe()


def test_a_case_that_cannot_run_is_an_error_exit_2_and_the_others_still_run(tmp_path):
    outcome = regress(suite_file(tmp_path), runner=FakeBoards(fail="host"))
    assert outcome.exit_code == 2
    assert [c.status for c in outcome.cases] == ["passed", "error"]
    assert "make failed for host" in outcome.cases[1].error


def test_junit_xml_parses_and_counts_failures_and_errors(tmp_path):
    outcome = regress(suite_file(tmp_path, budget=1000), runner=FakeBoards(fail="host"))
    root = ET.fromstring(suite_junit(outcome).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "1")
    cases = suite.findall("testcase")
    assert "latency_us 1500 vs budget <= 1000" in cases[0].find("failure").get("message")
    assert cases[1].find("error") is not None


def test_update_baseline_replaces_the_file_atomically(tmp_path, monkeypatch):
    path = suite_file(tmp_path)
    baseline = tmp_path / "baseline.json"
    regress(path, runner=FakeBoards(1500), update_baseline=True)
    before = baseline.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(regress_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        regress(path, runner=FakeBoards(2000), update_baseline=True)
    assert baseline.read_bytes() == before  # never half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "suite.toml"]  # no temp file left
    monkeypatch.undo()
    regress(path, runner=FakeBoards(2000), update_baseline=True)
    data = json.loads(baseline.read_text())
    assert data["cases"]["toy:toy@host:synthetic"]["latency_us"] == 2000


def test_the_command_line_writes_junit_and_json_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(regress_module, "run_case", lambda case, work_dir, power=None: FakeBoards()(case))
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "out" / "report.json"
    result = CliRunner().invoke(main, ["regress", str(suite_file(tmp_path, budget=1000)),
                                       "--junit", str(junit), "--json", str(report)])
    assert result.exit_code == 1, result.output
    assert "REGRESSION latency_us" in result.output
    ET.parse(junit)
    data = json.loads(report.read_text())
    assert data["exit_code"] == 1 and data["cases"][0]["status"] == "regressed"


def test_the_command_line_reports_an_invalid_suite_in_one_line_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("version = 1\nbogus = 1\n")
    result = CliRunner().invoke(main, ["regress", str(path)])
    assert result.exit_code == 2
    assert "bad.toml: bogus: unknown key" in result.output
    assert "Traceback" not in result.output


def test_a_budget_on_a_metric_the_board_does_not_report_is_an_error_case(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(budget=100_000).replace("bit_exact = 1.0", "bit_exact = 1.0\ncycles = 1e9"))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    outcome = regress(path, runner=FakeBoards(), junit=junit, json_path=report)
    assert outcome.exit_code == 2
    emulated = outcome.cases[0]
    assert emulated.status == "error" and emulated.metrics["instructions"] > 0  # measured, but not in cycles
    assert ("budget on cycles cannot be checked: case toy:toy@qemu-mps2-an386:synthetic on qemu-mps2-an386 "
            "does not report it (it reports latency_us, instructions,") in emulated.error
    assert "[case.budget] of 'toy'" in emulated.error
    data = json.loads(report.read_text())
    assert [c["status"] for c in data["cases"]] == ["error", "error"]
    assert ET.parse(junit).getroot().find("testsuite").get("errors") == "2"


class InterruptedAt(FakeBoards):
    """Ctrl-C while the n-th case (0 first) runs."""

    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def __call__(self, case):
        self.seen += 1
        if self.seen - 1 == self.n:
            raise KeyboardInterrupt
        return super().__call__(case)


def test_ctrl_c_keeps_the_finished_cases_in_the_json_and_junit_reports(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(budget=100_000).replace('boards = ["qemu-mps2-an386", "host"]',
                                                         'boards = ["qemu-mps2-an386", "host", "qemu-mps2-an500"]'))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    lines = []
    outcome = regress(path, runner=InterruptedAt(1), junit=junit, json_path=report, update_baseline=True,
                      echo=lines.append)
    assert outcome.exit_code == 2 and not outcome.complete and outcome.stopped_by == "SIGINT"
    assert [c.status for c in outcome.cases] == ["passed", "error"]
    assert not (tmp_path / "baseline.json").exists()  # an incomplete run does not rewrite the baseline
    data = json.loads(report.read_text())
    assert data["complete"] is False and data["error"]["type"] == "Interrupted"
    assert data["cases"][0]["status"] == "passed" and data["cases"][0]["metrics"]["bit_exact"] == 1.0
    assert data["cases"][1]["error"] == "interrupted by SIGINT"
    assert data["not_run"] == ["toy:toy@qemu-mps2-an500:synthetic"]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("errors"), suite.get("skipped")) == ("3", "1", "1")
    assert suite.findall("testcase")[2].find("skipped") is not None
    assert "INCOMPLETE: interrupted by SIGINT" in "\n".join(lines)


def test_the_command_line_writes_the_reports_of_an_interrupted_run_and_exits_2(tmp_path, monkeypatch):
    runner = InterruptedAt(1)
    monkeypatch.setattr(regress_module, "run_case", lambda case, work_dir, power=None: runner(case))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = CliRunner().invoke(main, ["regress", str(suite_file(tmp_path)), "--junit", str(junit),
                                       "--json-file", str(report)])
    assert result.exit_code == 2, result.output
    assert json.loads(report.read_text())["cases"][0]["status"] == "passed"
    assert ET.parse(junit).getroot().find("testsuite").get("tests") == "2"
