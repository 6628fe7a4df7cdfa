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
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path), "--samples", 3, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["count"] == 3 and data["labelled"] == 3 and data["compared"] == 0


def test_validate_exits_2_with_partial_results_when_the_board_dies(tmp_path):
    dut = FakeDut(faults={1 + 2 * 2: "die"})
    with FakeDutServer(dut) as server:
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path, n=4), "--samples", 4)
    assert out.exit_code == 2
    assert "2 of 4 (partial)" in out.output
    assert "the run stopped early; the 2 result(s) above were kept" in out.output


def test_a_port_and_a_project_together_are_a_usage_error(tmp_path):
    out = run("bench", "--port", "loop://", "--project", tmp_path)
    assert out.exit_code == 2 and "exactly one of --port URL or --project DIR" in out.output


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
    data = json.loads(out.output)
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
        out = run("validate", "--port", server.url, "--data", raw_folder(tmp_path), "--budget", "accuracy=0")
    assert out.exit_code == 0, out.output


def test_an_unknown_budget_metric_is_a_usage_error_naming_the_metrics():
    out = run("bench", "--port", "loop://", "--budget", "speed=3")
    assert out.exit_code == 2 and "latency_us" in out.output
