"""Boards that run here: QEMU machines and the host process behind a local TCP
socket that survives reconnects; the fixture model's outputs match its reference."""

from __future__ import annotations

import numpy as np
import pytest
import tiny_model
from dut_client import DutClient
from helpers import TINY_MODEL, have_arm_toolchain, have_qemu

from tinyvid.build import build_project, launch_board
from tinyvid.build.launch import qemu_command
from tinyvid.errors import ProjectError
from tinyvid.project import generate_project

QEMU_BOARDS = ["qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps2-an505", "qemu-mps3-an547", "qemu-netduinoplus2"]
needs_qemu = pytest.mark.skipif(not (have_qemu() and have_arm_toolchain()), reason="needs qemu-system-arm and arm-none-eabi-gcc")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("boards")
    cache = {}

    def get(board: str):
        if board not in cache:
            project = generate_project(TINY_MODEL, board, root / board, model_id="vww01")
            build_project(project.path)
            cache[board] = project.path
        return cache[board]

    return get


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, 16, dtype=np.uint8)


def _expected(pixels: np.ndarray) -> np.ndarray:
    return tiny_model.invoke((pixels.astype(np.int16) - 128).astype(np.int8))


def _check_board(url: str) -> None:
    with DutClient.connect(url) as dut:
        boot = dut.reply()
        assert boot[0] == "m-timestamp-mode-performance" and boot[-2:] == ["m-init-done", "m-ready"]
        # the standard way: db load + 31-byte hex commands + infer
        pixels = _pixels(1)
        assert dut.command("db load 16") == ["m-[Expecting 16 bytes]", "m-ready"]
        dut.command("db " + pixels[:31].tobytes().hex())
        reply = dut.command("infer 2 1", timeout=30)
        assert reply[-2] == f"m-results-[{','.join(tiny_model.results(_expected(pixels)))}]"
        # tinyvid's way: raw bytes + tv-infer with the raw int8 output
        pixels = _pixels(2)
        assert dut.tv_load(pixels.tobytes()) == ["m-load-done", "m-ready"]
        reply = dut.command("tv-infer", timeout=30)
        assert reply[1] == f"m-tv-output-[{_expected(pixels).astype(np.uint8).tobytes().hex()}]"


@pytest.mark.emulated
@needs_qemu
@pytest.mark.parametrize("board", QEMU_BOARDS)
def test_qemu_board_runs_the_fixture_model_like_its_reference(built, board):
    with launch_board(built(board)) as running:
        assert running.url.startswith("socket://127.0.0.1:") and running.alive
        _check_board(running.url)
        with DutClient.connect(running.url) as dut:
            info = dict(line[5:-1].split("-[", 1) for line in dut.command("tv-info")[:-1])
        assert info["board"] == board and info["timer"] == "systick"
    assert not running.alive  # the process is gone when the context ends


@pytest.mark.emulated
def test_host_board_runs_behind_the_same_socket(built):
    with launch_board(built("host")) as running:
        _check_board(running.url)
    assert not running.alive


@pytest.mark.emulated
@pytest.mark.parametrize("board", ["host", pytest.param("qemu-mps2-an386", marks=needs_qemu)])
def test_a_reconnecting_client_finds_the_board_as_it_left_it(built, board):
    with launch_board(built(board)) as running:
        with DutClient.connect(running.url) as first:
            first.reply()  # boot lines, once
            assert first.command("name")[0].startswith("m-name-dut-[tinyvid-")
            first.command("db load 3")
            first.command("db 0a0b0c")
        with DutClient.connect(running.url) as second:  # the official runners connect twice
            assert second.command("db print") == ["m-buffer-0a-0b-0c", "m-ready"]  # no boot lines again
        with DutClient.connect(running.url) as third:
            assert third.command("profile") == ["m-profile-[ulp-mlperf]", "m-model-[vww01]", "m-ready"]


@pytest.mark.emulated
@needs_qemu
def test_emulated_timing_is_deterministic_across_runs(built):
    ticks = []
    for _ in range(2):
        with launch_board(built("qemu-mps2-an386")) as running, DutClient.connect(running.url) as dut:
            dut.reply()
            dut.tv_load(_pixels(3).tobytes())
            ticks.append(dut.command("tv-infer")[0])
            dut.command("infer 3 0")
            ticks.append(dut.command("tv-perf")[0])
    assert ticks[0] == ticks[2] and ticks[1] == ticks[3]
    assert ticks[1].endswith(",n=3,hz=25000000]")


@pytest.mark.emulated
def test_the_process_is_killed_when_the_caller_fails(built):
    with pytest.raises(RuntimeError):
        with launch_board(built("host")) as running:
            raise RuntimeError("the harness failed")
    assert not running.alive


def test_qemu_runs_with_instruction_counting_and_a_waiting_tcp_serial(tmp_path):
    from tinyvid.boards import load_board

    command = qemu_command(load_board("qemu-mps2-an386"), tmp_path / "f.elf", 4321)
    text = " ".join(command)
    assert "-M mps2-an386" in text and "-icount shift=7,align=off,sleep=off" in text
    assert "-serial tcp:127.0.0.1:4321,server=on,wait=on" in text and "-display none -monitor none" in text
    assert "-nographic" not in text and "-semihosting-config enable=on,target=native" in text


def test_a_real_board_is_not_launched(tmp_path):
    project = generate_project(TINY_MODEL, "nucleo-l4r5zi", tmp_path / "p")
    with pytest.raises(ProjectError) as err:
        with launch_board(project.path):
            pass
    assert "does not run here" in err.value.message and "tinyvid flash" in err.value.hint


def test_an_unbuilt_project_is_not_launched(tmp_path):
    project = generate_project(TINY_MODEL, "host", tmp_path / "p")
    with pytest.raises(ProjectError) as err:
        with launch_board(project.path):
            pass
    assert "tinyvid build" in err.value.hint


@pytest.mark.emulated
@needs_qemu
def test_an_emulated_tv_load_that_stops_times_out_in_seconds(built):
    import time

    with launch_board(built("qemu-mps2-an386")) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        dut.send(b"tv-load 16%")
        assert dut.line() == "m-tv-load-ready-[16]"
        dut.send(b"\x01\x02\x03")
        start = time.monotonic()
        assert dut.reply(timeout=90) == ["e-[tv-load timed out after 3 of 16 bytes]", "m-ready"]
        assert time.monotonic() - start < 55  # 30 s of guest time (tv_config.h), a loaded host included
        assert dut.command("name")[0] == "m-name-dut-[tinyvid-qemu-mps2-an386]"
