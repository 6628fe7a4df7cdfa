"""regress --jobs N: cases at once, the same reports as a serial run (order
included), each place used by one case at a time, and a signal that stops the
running cases and keeps the finished ones. Each case runs real bench and validate
on a fake board whose inferences take real time."""

import json
import re
import threading
import time
import xml.etree.ElementTree as ET

import numpy as np
from click.testing import CliRunner

from tinyvid.boards import load_board
from tinyvid.cli import main
from tinyvid.errors import TransportError
from tinyvid.harness import regress as regress_module
from tinyvid.harness.bench import bench
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.harness.inputs import Sample
from tinyvid.harness.regress import regress
from tinyvid.harness.reporters import suite_junit, to_json
from tinyvid.harness.validate import validate

SUITE = """
version = 1
name = "jobs"
[[case]]
name = "local"
model = "toy.tflite"
boards = ["qemu-mps2-an386", "qemu-mps2-an500", "host"]
windows = 2
iterations = 2
samples = 3
[[case]]
name = "farm-a"
model = "toy.tflite"
place = "lab-a"
board = "qemu-mps2-an386"
windows = 2
iterations = 2
samples = 3
[[case]]
name = "farm-a-again"
model = "toy.tflite"
place = "lab-a"
board = "qemu-mps2-an386"
windows = 1
iterations = 2
samples = 2
[case.budget]
latency_us = 1
"""


class SlowBoards:
    """Each case on its own FakeDut, taking ~``seconds`` of wall time (in 10 ms
    steps, as a serial read polls); records which places overlap."""

    def __init__(self, seconds=0.3, fail=None, interrupt=None):
        self.seconds = seconds
        self.fail = fail
        self.interrupt = interrupt
        self.lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.most_at_once = 0
        self.place_overlaps = 0
        self.running = 0

    def __call__(self, case):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            if case.place:
                self.active[case.place] = self.active.get(case.place, 0) + 1
                self.place_overlaps += self.active[case.place] > 1
        try:
            if case.id == self.interrupt:
                raise KeyboardInterrupt
            deadline = time.monotonic() + self.seconds
            while time.monotonic() < deadline:
                time.sleep(0.01)
            if case.id == self.fail:
                raise TransportError("the link to socket://127.0.0.1:9 closed: board gone")
            dut = FakeDut(us_per_inference=1500)
            with DutClient(FakeTransport(dut), quiet=0.01) as client:
                result = bench(client, windows=case.windows, iterations=case.iterations,
                               board=load_board(case.board))
                rng = np.random.default_rng(0)
                inputs = [Sample(str(i), rng.integers(0, 256, 16, dtype=np.uint8).tobytes(), i % 2)
                          for i in range(case.samples)]
                checked = validate(client, inputs, reference=dut.reference)
            return {**result.metrics(), **checked.metrics(), "notes": result.notes}
        finally:
            with self.lock:
                self.running -= 1
                if case.place:
                    self.active[case.place] -= 1


def _suite(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE)
    return path


def _timeless(report: dict) -> dict:
    return {**report, "cases": [{k: v for k, v in c.items() if k != "seconds"} for c in report["cases"]]}


def _timeless_junit(text: str) -> str:
    return re.sub(r' time="[0-9.]+"', "", text)


def test_jobs_give_the_serial_reports_in_the_suite_order_faster(tmp_path):
    serial_boards, parallel_boards = SlowBoards(), SlowBoards()
    start = time.monotonic()
    serial = regress(_suite(tmp_path), runner=serial_boards)
    serial_s = time.monotonic() - start
    start = time.monotonic()
    parallel = regress(_suite(tmp_path), runner=parallel_boards, jobs=3)
    parallel_s = time.monotonic() - start
    assert [c.case.id for c in parallel.cases] == [c.case.id for c in serial.cases]
    assert [c.status for c in serial.cases] == ["passed"] * 4 + ["regressed"]
    assert _timeless(json.loads(to_json(parallel))) == _timeless(json.loads(to_json(serial)))
    assert _timeless_junit(suite_junit(parallel)) == _timeless_junit(suite_junit(serial))
    assert serial_boards.most_at_once == 1 and parallel_boards.most_at_once == 3
    assert parallel_boards.place_overlaps == 0  # the two cases on lab-a never ran at once
    assert serial_s / parallel_s > 1.5, (serial_s, parallel_s)


def test_a_case_that_fails_is_an_error_and_the_others_still_run(tmp_path):
    outcome = regress(_suite(tmp_path), runner=SlowBoards(fail="farm-a"), jobs=3)
    assert [c.status for c in outcome.cases] == ["passed", "passed", "passed", "error", "regressed"]
    assert "board gone" in outcome.cases[3].error and outcome.exit_code == 2


def test_a_signal_stops_the_running_cases_and_keeps_the_finished_ones(tmp_path):
    boards = SlowBoards(seconds=5.0, interrupt="farm-a")
    start = time.monotonic()
    outcome = regress(_suite(tmp_path), runner=boards, jobs=4)
    assert time.monotonic() - start < 3.0  # the 5 s cases were stopped, not waited for
    assert outcome.stopped_by == "SIGINT" and outcome.exit_code == 2
    assert [c.error for c in outcome.cases] == ["interrupted by SIGINT"] * 4
    assert [c.id for c in outcome.not_run] == ["farm-a-again"]
    assert boards.running == 0  # every case's thread has ended


def test_the_command_line_takes_jobs_and_a_place_for_every_case(tmp_path, monkeypatch):
    seen = []

    def runner(case, work_dir, power=None):
        seen.append((case.id, case.place, case.place_wait))
        return SlowBoards(seconds=0.0)(case)

    monkeypatch.setattr(regress_module, "run_case", runner)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["regress", str(_suite(tmp_path)), "--jobs", "2", "--place", "board=x",
                                       "--place-wait", "5", "--json-file", str(report)])
    assert result.exit_code == 1, result.output  # farm-a-again's latency budget of 1 us
    assert sorted(place for _, place, _ in seen) == ["board=x"] * 5 and {w for _, _, w in seen} == {5}
    assert [c["id"] for c in json.loads(report.read_text())["cases"]][0] == "local:toy@qemu-mps2-an386:synthetic"
