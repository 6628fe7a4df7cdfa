"""bench and validate on real firmware: the host board and QEMU's mps2-an386,
and a board killed mid-run."""

import shutil
import threading
import time

import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.harness.bench import bench
from tinyvid.harness.inputs import load_samples
from tinyvid.harness.session import bench_board, input_format, open_board, validate_board, validate_session
from tinyvid.harness.validate import tflm_reference, validate

pytestmark = pytest.mark.emulated

BOARDS = ["host", "qemu-mps2-an386"]


def _built(model, board, out_dir):
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    if board != "host" and (shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None):
        pytest.skip("qemu-system-arm or arm-none-eabi-gcc not installed")
    generate_project(model, board, out_dir)
    build_project(out_dir)
    return out_dir


@pytest.fixture(scope="module", params=BOARDS)
def resnet8_project(request, resnet8_model, tmp_path_factory):
    return _built(resnet8_model, request.param, tmp_path_factory.mktemp(f"resnet8-{request.param}"))


def test_validate_is_100_percent_bit_exact_with_tflite_micro(resnet8_project):
    result = validate_board(project=resnet8_project, data="synthetic", samples=4)
    assert result.error is None
    assert (result.count, result.compared, result.bit_exact, result.max_lsb) == (4, 4, 4, 0)
    assert result.top1_agreement == 1.0


def test_bench_measures_the_running_firmware(resnet8_project):
    result = bench_board(project=resnet8_project, windows=2, iterations=1)
    assert len(result.windows) == 2 and result.latency_us.median > 0
    assert result.macs == 12_501_632  # ResNet-8 on CIFAR-10
    assert result.arena_bytes > 0 and result.flash_bytes > 0
    if result.board == "qemu-mps2-an386":
        assert result.work_unit == "instructions"
        # -icount makes the count exact: both windows agree to the instruction.
        assert result.work.min == result.work.max
        assert 0 < result.macs_per_unit < 2.0
        assert result.energy_uj > 0 and "estimate" in result.energy_basis
    else:
        assert result.work is None and result.energy_uj is None


def test_the_bench_command_prints_json(resnet8_project):
    out = CliRunner().invoke(main, ["bench", "--project", str(resnet8_project), "--windows", "1",
                                    "--iterations", "1", "--json"])
    assert out.exit_code == 0, out.output
    assert '"latency_us"' in out.output


def test_a_board_killed_mid_run_ends_the_run_with_partial_results_and_no_hang(resnet8_project):
    with open_board(project=resnet8_project, line_timeout=5.0, infer_timeout=10.0) as session:
        fmt, output_quant = input_format(session, session.model)
        inputs = load_samples("synthetic", fmt, count=6).samples
        reference = tflm_reference(session.model, fmt)

        def feed():
            for i, sample in enumerate(inputs):
                if i == 3:
                    session.running.process.kill()  # the board dies while the host still has work
                yield sample

        start = time.monotonic()
        result = validate(session.client, feed(), reference=reference, requested=len(inputs))
        elapsed = time.monotonic() - start
    assert result.count == 3 and result.bit_exact == 3
    assert result.partial
    assert "stopped at input" in result.error and "3 of 6 done" in result.error
    assert elapsed < 30


@pytest.mark.slow
def test_vww_is_bit_exact_on_the_emulated_cortex_m4(vww_model, tmp_path):
    project = _built(vww_model, "qemu-mps2-an386", tmp_path / "vww")
    with open_board(project=project) as session:
        result = validate_session(session, data="synthetic", samples=2)
        timing = bench(session.client, windows=1, iterations=1, board=session.board, sizes=session.sizes)
    assert (result.count, result.bit_exact) == (2, 2)
    assert timing.work_unit == "instructions"


def test_the_host_firmware_runs_as_a_process_on_an_exec_port(resnet8_project):
    from tinyvid.project import load_manifest

    manifest = load_manifest(resnet8_project)
    if manifest["board"] != "host":
        pytest.skip("exec: ports run host-board firmware")
    firmware = resnet8_project / manifest["firmware"]
    result = validate_board(port=f"exec:{firmware}", data="synthetic", samples=2,
                            model=manifest["model"]["path"])
    assert (result.count, result.bit_exact) == (2, 2)


def test_regress_on_the_host_board_names_a_tightened_budget_and_exits_1(resnet8_model, tmp_path):
    import xml.etree.ElementTree as ET

    suite = tmp_path / "suite.toml"
    suite.write_text(f"""
version = 1
baseline = "baseline.json"
work_dir = "work"
[[case]]
name = "resnet8-host"
model = "{resnet8_model}"
board = "host"
windows = 1
iterations = 1
samples = 2
[case.budget]
bit_exact = 1.0
arena_bytes = 1000
""")
    junit = tmp_path / "junit.xml"
    out = CliRunner().invoke(main, ["regress", str(suite), "--junit", str(junit)])
    assert out.exit_code == 1, out.output
    import re

    # e.g. "REGRESSION arena_bytes 49152 vs budget <= 1000: +48152 (+4815.2%)"
    assert re.search(r"REGRESSION arena_bytes \d+ vs budget <= 1000: \+\d+ \(\+[\d.]+%\)", out.output)
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert "arena_bytes" in failure.get("message")


def test_the_fake_board_answers_like_the_real_firmware(resnet8_project):
    """The same commands to the host firmware (as a process) and to FakeDut: the
    same kinds of lines, and word for word the same errors."""
    from tinyvid.harness.client import DutClient
    from tinyvid.harness.fake import FakeDut, FakeTransport
    from tinyvid.harness.process_link import ProcessTransport
    from tinyvid.project import load_manifest

    manifest = load_manifest(resnet8_project)
    if manifest["board"] != "host":
        pytest.skip("the host firmware runs as a process")
    fake = FakeDut(input_shape=(1, 32, 32, 3), output_bytes=10, conversion="uint8", model_id="ic01",
                   name="tinyvid-host", board="host", timer="host")
    commands = [("name",), ("profile",), ("results",), ("db",), ("db", "load"), ("db", "load", "0"),
                ("db", "load", "99999"), ("db", "load", "4"), ("db", "0a0b0c0d"), ("db", "print"),
                ("db", "00"), ("infer", "0", "0"), ("infer", "1", "-1"), ("infer", "2", "1"), ("results",),
                ("tv-load", "0"), ("tv-perf",), ("frobnicate", "x")]

    def replies(transport):
        with DutClient(transport, line_timeout=10.0) as client:
            return [[(r.kind, r.value if r.kind in ("error", "name", "profile", "model", "buffer") else None)
                     for r in client.command(*words).records] for words in commands]

    real = replies(ProcessTransport([str(resnet8_project / manifest["firmware"])]))
    assert replies(FakeTransport(fake)) == real


def test_a_frozen_board_times_out_with_a_clear_message_and_no_hang(resnet8_project):
    import os
    import signal

    from tinyvid.errors import TransportTimeout

    with open_board(project=resnet8_project, line_timeout=1.0, infer_timeout=2.0) as session:
        assert session.client.name().startswith("tinyvid-")
        pid = session.running.process.pid
        os.kill(pid, signal.SIGSTOP)  # the board stops answering, its link stays up
        try:
            start = time.monotonic()
            with pytest.raises(TransportTimeout) as err:
                session.client.infer(1, 0)
            elapsed = time.monotonic() - start
        finally:
            os.kill(pid, signal.SIGCONT)
    assert elapsed < 5
    assert "stopped answering 'infer 1 0%'" in err.value.message and "> infer 1 0%" in err.value.message
