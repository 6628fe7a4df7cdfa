"""The firmware stage's commands, run in-process with click's CliRunner."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinyvid.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"
sys.path.insert(0, str(FIXTURES))


def test_boards_says_which_run_here_and_which_are_compiled_only():
    result = CliRunner().invoke(main, ["boards"])
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.output.splitlines()}
    assert "runs here" in rows["qemu-mps2-an386"] and "(default)" in rows["qemu-mps2-an386"]
    assert "compiled only" in rows["nucleo-l4r5zi"] and "640 KB RAM" in rows["nucleo-l4r5zi"]


def test_boards_json_lists_every_board_with_its_availability():
    result = CliRunner().invoke(main, ["boards", "--json"])
    boards = {row["name"]: row for row in json.loads(result.output)}
    assert boards["host"]["availability"] == "runs here"
    assert boards["nucleo-f446re"]["availability"] == "compiled only"
    assert boards["qemu-mps2-an386"]["default"] is True
    assert boards["qemu-netduinoplus2"]["memory"]["ram_bytes"] == 196608


def test_project_then_build_prints_the_sizes(tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    runner = CliRunner()
    out = tmp_path / "fw"
    result = runner.invoke(main, ["project", str(FIXTURES / "tiny_model"), "--board", "nucleo-l4r5zi", "-o", str(out),
                                  "--model-id", "vww01"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "model id vww01, conversion uint8" in result.output
    result = runner.invoke(main, ["build", str(out)])
    assert result.exit_code == 0, result.output
    assert "/   2097152 bytes" in result.output and "/    655360 bytes" in result.output


def test_a_user_mistake_is_one_line_and_a_hint(tmp_path):
    result = CliRunner().invoke(main, ["project", str(FIXTURES / "tiny_model"), "--board", "uno", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "error: unknown board 'uno'" in result.output and "hint: known boards:" in result.output
    assert "Traceback" not in result.output


def test_flash_of_an_emulated_board_points_to_run(tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["project", str(FIXTURES / "tiny_model"), "-o", str(tmp_path / "p")])
    result = runner.invoke(main, ["flash", str(tmp_path / "p")])
    assert result.exit_code == 2 and "tinyvid run" in result.output


@pytest.mark.emulated
def test_run_serves_the_board_until_stopped(tmp_path):
    import subprocess


    from dut_client import DutClient

    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    project = generate_project(FIXTURES / "tiny_model", "host", tmp_path / "p")
    build_project(project.path)
    proc = subprocess.Popen([sys.executable, "-m", "tinyvid", "run", str(project.path)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert "its serial port: socket://127.0.0.1:" in line
        url = line.split("serial port: ")[1].strip()
        with DutClient.connect(url) as dut:
            dut.reply()
            assert dut.command("name") == ["m-name-dut-[tinyvid-host]", "m-ready"]
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
