"""Work is never lost to a bad output path: every command that writes checks its
output before any work starts, and a bad path or any OS error is one line with
exit code 2. Numbers are range-checked by click before anything runs."""

from __future__ import annotations

import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

REPO = Path(__file__).resolve().parents[2]
RESNET8 = str(REPO / "models" / "resnet8_cifar10_int8.tflite")
BAD_DIR = "/proc/nope/run"  # /proc takes no new folders, not even from root


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, lines
    return errors[0]


@pytest.mark.parametrize("args", [
    ["train", "-o", BAD_DIR],
    ["train", "--out", BAD_DIR],
    ["import", RESNET8, "-o", BAD_DIR],
    ["compress", str(REPO / "no_such_model.keras"), "-o", BAD_DIR],
    ["emit", RESNET8, "-o", BAD_DIR],
    ["project", RESNET8, "-o", BAD_DIR],
    ["demo", "-o", BAD_DIR],
], ids=lambda args: " ".join(a for a in args if not a.startswith("/")))
def test_a_command_refuses_an_output_folder_it_cannot_create_before_any_work(args):
    start = time.monotonic()
    result = CliRunner().invoke(main, args)
    error = _one_line_error(result)
    assert error == f"error: cannot write to {BAD_DIR}: No such file or directory"
    assert "hint: choose another folder with -o/--output" in result.stderr
    assert time.monotonic() - start < 60  # training alone takes minutes


@pytest.mark.parametrize("args", [
    ["bench", "--port", "socket://127.0.0.1:9", "--log-session", "/proc/nope/session.log"],
    ["validate", "--port", "socket://127.0.0.1:9", "--log-session", "/proc/nope/session.log"],
    ["regress", "suite.toml", "--junit", "/proc/nope/session.log"],
    ["regress", "suite.toml", "--json-file", "/proc/nope/session.log"],
], ids=["bench --log-session", "validate --log-session", "regress --junit", "regress --json-file"])
def test_a_report_or_log_file_that_cannot_be_written_is_refused_while_parsing(args):
    result = CliRunner().invoke(main, args)
    assert _one_line_error(result) == "error: cannot write to /proc/nope/session.log: No such file or directory"


def test_any_os_error_of_a_command_is_one_line_with_exit_code_2(tmp_path):
    @click.command("explode-on-purpose")
    def explode():
        (tmp_path / "missing" / "file.txt").read_text()

    main.add_command(explode)
    try:
        result = CliRunner().invoke(main, ["explode-on-purpose"])
    finally:
        main.commands.pop("explode-on-purpose")
    error = _one_line_error(result)
    assert error == f"error: No such file or directory: {tmp_path / 'missing' / 'file.txt'}"


def _all_parameters():
    for name, command in sorted(main.commands.items()):
        for param in command.params:
            yield name, param


def test_every_numeric_option_of_every_command_is_range_checked():
    unchecked = [f"{name} {param.opts[0]}" for name, param in _all_parameters()
                 if type(param.type) in (click.types.IntParamType, click.types.FloatParamType)]
    assert not unchecked


@pytest.mark.parametrize("args, message", [
    (["train", "--filters", "0"], "Invalid value for '--filters': 0 is not in the range x>=1."),
    (["train", "--learning-rate", "-1"], "Invalid value for '--learning-rate': -1.0 is not in the range x>0."),
    (["train", "--epochs", "0"], "Invalid value for '--epochs': 0 is not in the range x>=1."),
    (["train", "--batch-size", "0"], "Invalid value for '--batch-size': 0 is not in the range x>=1."),
    (["train", "--alpha", "0"], "Invalid value for '--alpha': 0.0 is not in the range x>0."),
    (["train", "--fps", "0"], "Invalid value for '--fps': 0.0 is not in the range x>0."),
    (["data", "--seed", "-1"], "Invalid value for '--seed': -1 is not in the range 0<=x<=4294967295."),
    (["demo", "--samples", "0"], "Invalid value for '--samples': 0 is not in the range x>=1."),
    (["compress", "m.keras", "--seed", "-3"], "Invalid value for '--seed': -3 is not in the range 0<=x<=4294967295."),
])
def test_a_number_out_of_range_is_refused_before_any_work(args, message):
    start = time.monotonic()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert time.monotonic() - start < 30
