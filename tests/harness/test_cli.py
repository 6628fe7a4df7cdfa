"""The bench / validate commands against a fake board on a local socket."""

import csv
import json
import socket

import numpy as np
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeDutServer
from tinyvid.harness.recording import ReplayTransport


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def raw_folder(tmp_path, n=3, size=16):
    rng = np.random.default_rng(2)
    with open(tmp_path / "labels.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "label"])
        for i in range(n):
            (tmp_path / f"{i:05d}.bin").write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
            writer.writerow([f"{i:05d}.bin", i % 4])
    return tmp_path


def test_bench_on_a_port_prints_json_with_instructions():
    with FakeDutServer(FakeDut()) as server:
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 2,
                  "--iterations", 2, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["work_unit"] == "instructions" and len(data["windows"]) == 2
    assert data["energy_is_estimate"] is True


def test_bench_prints_a_readable_table():
    with FakeDutServer(FakeDut()) as server:
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 1, "--iterations", 1)
    assert out.exit_code == 0, out.output
    assert "latency" in out.output and "per inference (estimate)" in out.output


def test_validate_on_a_port_with_raw_files_reports_accuracy(tmp_path):
    with FakeDutServer(FakeDut()) as server:
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path), "--samples", 3, "--json",
                  "--no-reference")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["count"] == 3 and data["labelled"] == 3 and data["compared"] == 0


def test_validate_exits_2_with_partial_results_when_the_board_dies(tmp_path):
    dut = FakeDut(faults={1 + 2 * 2: "die"})
    with FakeDutServer(dut) as server:
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path, n=4), "--samples", 4,
                  "--no-reference")
    assert out.exit_code == 2
    assert "2 of 4 (partial)" in out.output
    assert "the run stopped early" in out.output and "the 2 of 4 results measured before it are kept" in out.output


def test_a_port_and_a_project_together_are_a_usage_error(tmp_path):
    out = run("bench", "--port", "loop://", "--project", tmp_path)
    assert out.exit_code == 2 and "exactly one of --port URL, --project DIR or --place NAME" in out.output


def test_a_port_with_nothing_behind_it_is_one_line_and_a_hint():
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    out = run("bench", "--port", f"socket://127.0.0.1:{port}")
    assert out.exit_code == 2
    assert "error: cannot connect" in out.output and "hint:" in out.output
    assert "Traceback" not in out.output


def test_a_logged_session_replays(tmp_path):
    log = tmp_path / "bench.log"
    with FakeDutServer(FakeDut()) as server:
        out = run("bench", "--port", server.url, "--windows", 1, "--iterations", 2, "--log-session", log)
    assert out.exit_code == 0, out.output
    with DutClient(ReplayTransport(log)) as client:
        info = client.tv_info()
        assert info.input_bytes == 16
        assert client.name() == "tinyvid-fake"


def test_a_plain_eembc_board_is_validated_bit_exact_from_its_printed_results(resnet8_model):
    from tinyvid.model.reference import tflm_invoke

    dut = FakeDut(model=lambda x: tflm_invoke(resnet8_model, [x])[0], input_shape=(1, 32, 32, 3), model_id="ic01",
                  output_bytes=10, conversion="uint8", extensions=False)
    with FakeDutServer(dut) as server:
        out = run("validate", "--port", server.url, "--model", resnet8_model, "--samples", 3, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert (data["compared"], data["bit_exact"], data["max_lsb"]) == (3, 3, 0)


def test_a_plain_board_without_a_model_cannot_be_validated():
    with FakeDutServer(FakeDut(extensions=False)) as server:
        out = run("validate", "--port", server.url)
    assert out.exit_code == 2 and "--model" in out.output


def test_a_silent_board_ends_bench_in_a_timeout_error_not_a_hang():
    import time

    with FakeDutServer(FakeDut(faults={0: "hang"})) as server:
        start = time.monotonic()
        out = run("bench", "--port", server.url, "--line-timeout", 0.3)
        elapsed = time.monotonic() - start
    assert out.exit_code == 2
    assert "stopped answering 'tv-info%'" in out.output and "hint:" in out.output
    assert elapsed < 5


def test_a_project_and_a_different_board_are_refused(tmp_path):
    import json as _json

    (tmp_path / "tinyvid-project.json").write_text(_json.dumps({"manifest_version": 2, "board": "host"}))
    out = run("bench", "--project", tmp_path, "--board", "qemu-mps2-an386")
    assert out.exit_code == 2 and "is a project for host, not qemu-mps2-an386" in out.output


def test_bench_finds_the_board_file_from_the_firmwares_tv_info():
    with FakeDutServer(FakeDut(board="qemu-mps2-an386")) as server:
        out = run("bench", "--port", server.url, "--windows", 1, "--iterations", 1, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["board"] == "qemu-mps2-an386" and data["work_unit"] == "instructions"


def test_a_broken_budget_on_bench_exits_1_and_says_by_how_much():
    with FakeDutServer(FakeDut(us_per_inference=1500)) as server:
        out = run("bench", "--port", server.url, "--windows", 1, "--iterations", 1,
                  "--budget", "latency_us=1000", "--budget", "arena_bytes=1000000")
    assert out.exit_code == 1, out.output
    assert "REGRESSION latency_us 1500 vs budget <= 1000: +500 (+50.0%)" in out.output
    assert "ok         arena_bytes 4096 vs budget <= 1e+06" in out.output


def test_a_met_budget_on_validate_exits_0(tmp_path):
    with FakeDutServer(FakeDut()) as server:
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path), "--budget", "accuracy=0",
                  "--no-reference")
    assert out.exit_code == 0, out.output


def test_an_unknown_budget_metric_is_a_usage_error_naming_the_metrics():
    out = run("bench", "--port", "loop://", "--budget", "speed=3")
    assert out.exit_code == 2 and "latency_us" in out.output


# -- partial results are kept (issue 10, item 10) ------------------------------------------

def test_bench_keeps_the_windows_it_measured_when_the_link_drops():
    with FakeDutServer(FakeDut(faults={8: "die"})) as server:  # the board dies in the third window
        text = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 5, "--iterations", 2)
    with FakeDutServer(FakeDut(faults={8: "die"})) as server:
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 5, "--iterations", 2,
                  "--json")
    assert text.exit_code == 2 and out.exit_code == 2
    assert "latency" in text.stdout and "incomplete: stopped after 2 of 5 windows" in text.stdout
    assert "error: the run stopped early: stopped after 2 of 5 windows" in text.stderr
    data = json.loads(out.stdout)
    assert data["error"]["type"] == "TransportClosed" and "2 of 5 windows" in data["error"]["message"]
    partial = data["partial"]
    assert partial["complete"] is False and len(partial["windows"]) == 2 and partial["requested_windows"] == 5
    assert partial["latency_us"]["median"] > 0 and partial["work_unit"] == "instructions"


def _interrupt_when(dut, command_index):
    """Ctrl-C (SIGINT to this process) once the board has received that many commands."""
    import os
    import signal
    import threading
    import time

    def watch():
        deadline = time.monotonic() + 20
        while dut.commands_seen < command_index and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_validate_keeps_its_results_on_ctrl_c_and_json_says_why(tmp_path):
    dut = FakeDut(faults={7: "hang"})  # the board stops answering mid-run; the user presses Ctrl-C
    with FakeDutServer(dut) as server:
        watcher = _interrupt_when(dut, 8)
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path, n=5), "--samples", 5,
                  "--no-reference", "--json")
        watcher.join(timeout=20)
    assert out.exit_code == 2, out.output
    data = json.loads(out.stdout)
    assert data["error"]["type"] == "Interrupted" and "interrupted by SIGINT" in data["error"]["message"]
    partial = data["partial"]
    assert 0 < partial["count"] < 5 and partial["requested"] == 5 and partial["partial"] and partial["samples"]
    assert "the run stopped early" in out.stderr


def test_bench_is_stopped_by_sigterm_as_by_ctrl_c_and_keeps_its_windows():
    import os
    import signal
    import threading
    import time

    dut = FakeDut(faults={8: "hang"})
    with FakeDutServer(dut) as server:
        def watch():
            while dut.commands_seen < 9:
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGTERM)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 5, "--iterations", 2)
        watcher.join(timeout=20)
    assert out.exit_code == 2
    assert "incomplete: stopped after 2 of 5 windows: interrupted by SIGTERM" in out.stdout


def test_a_failing_json_command_prints_a_json_error_object(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    out = run("bench", "--port", f"socket://127.0.0.1:{port}", "--json")
    assert out.exit_code == 2
    error = json.loads(out.stdout)["error"]
    assert error["type"] == "TransportError" and error["message"].startswith("cannot connect") and error["hint"]
    out = run("build", tmp_path, "--json")  # not a project: any command with --json
    assert out.exit_code == 2 and json.loads(out.stdout)["error"]["message"]
    out = run("bench", "--json")  # a usage error too
    assert out.exit_code == 2 and "exactly one of --port URL, --project DIR or --place NAME" in json.loads(out.stdout)["error"]["message"]


# -- a budget that cannot be measured is never a pass (issue 10, item 7) -------------------------

def test_a_cycles_budget_on_an_emulated_board_is_an_error_naming_what_it_reports():
    with FakeDutServer(FakeDut()) as server:
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 1, "--iterations", 1,
                  "--budget", "cycles=1e9", "--budget", "latency_us=1e9")
    assert out.exit_code == 2
    assert "latency" in out.stdout  # the measurement is still shown
    assert ("error: budget on cycles cannot be checked: bench on qemu-mps2-an386 does not report it "
            "(it reports latency_us, instructions,") in out.stderr
    assert "hint: leave out that --budget" in out.stderr and "not measured: cycles" not in out.output
    with FakeDutServer(FakeDut()) as server:
        out = run("bench", "--port", server.url, "--board", "qemu-mps2-an386", "--windows", 1, "--iterations", 1,
                  "--budget", "cycles=1e9", "--json")
    data = json.loads(out.stdout)
    assert out.exit_code == 2 and data["error"]["type"] == "UnmeasuredBudget" and data["partial"]["work"]


def test_a_bit_exact_budget_with_nothing_compared_is_an_error(tmp_path):
    with FakeDutServer(FakeDut()) as server:  # raw files and no host reference
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path), "--samples", 3,
                  "--no-reference", "--budget", "bit_exact=1")
    assert out.exit_code == 2
    assert "budget on bit_exact cannot be checked" in out.stderr
