"""However a tinyvid command ends (SIGTERM from `timeout` or a cancelled CI job,
SIGHUP from a closed terminal, SIGKILL), no board process it started outlives it.

Each test starts the real command as a subprocess on the emulated Cortex-M4F,
waits for its qemu-system-arm child, signals tinyvid, and then checks in /proc
that every process descended from tinyvid is gone (or a zombie: dead, waiting to
be reaped by init) within 5 s."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.emulated,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs qemu-system-arm and arm-none-eabi-gcc"),
]

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL]
BOARD = "qemu-mps2-an386"


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a live or zombie process, None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], int(fields[19])


def _descendants(root: int) -> dict[int, int]:
    """pid -> start time of every process below ``root``."""
    children: dict[int, list[int]] = {}
    starts = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children.setdefault(stat[0], []).append(int(entry))
            starts[int(entry)] = stat[2]
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int, start: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[2] == start and stat[1] != "Z"


@pytest.fixture(scope="module")
def project(vww_model, tmp_path_factory) -> Path:
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    out = tmp_path_factory.mktemp("vww") / "project"
    generate_project(vww_model, BOARD, out)
    build_project(out)
    return out


@pytest.fixture(scope="module")
def suite(vww_model, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("suite")
    path = root / "suite.toml"
    path.write_text(f'version = 1\nwork_dir = "{root / "work"}"\n\n[[case]]\nname = "vww"\n'
                    f'model = "{vww_model}"\nboard = "{BOARD}"\nwindows = 50\nsamples = 50\n')
    return path


def _command(name: str, project: Path, suite: Path) -> list[str]:
    return {
        "bench": ["bench", "--project", str(project), "--windows", "100"],
        "validate": ["validate", "--project", str(project), "--samples", "100", "--json"],
        "run": ["run", str(project)],
        "regress": ["regress", str(suite)],
    }[name]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("command", ["bench", "validate", "run", "regress"])
def test_no_board_process_outlives_a_signalled_command(command, sig, project, suite):
    tinyvid = subprocess.Popen([sys.executable, "-m", "tinyvid", *_command(command, project, suite)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # regress generates and builds its project first
        while not any(_comm(pid) == "qemu-system-arm" for pid in _descendants(tinyvid.pid)):
            assert tinyvid.poll() is None, f"tinyvid ended early: {tinyvid.communicate()}"
            assert time.monotonic() < deadline, "QEMU never started"
            time.sleep(0.05)
        time.sleep(1.0)  # the board is booted and busy
        started = _descendants(tinyvid.pid)
        tinyvid.send_signal(sig)
        out, err = tinyvid.communicate(timeout=30)
    finally:
        if tinyvid.poll() is None:
            tinyvid.kill()
            tinyvid.wait()
    deadline = time.monotonic() + 5.0
    while (left := [pid for pid, start in started.items() if _alive(pid, start)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"still running 5 s after {sig.name}: {[(pid, _comm(pid)) for pid in left]}"
    if sig != signal.SIGKILL:  # handled: an orderly stop, not death by the signal
        assert tinyvid.returncode in (0, 2), (tinyvid.returncode, err)
        if command == "run":
            assert "stopped" in out
        else:
            assert f"interrupted by {sig.name}" in out + err
        if command == "validate":  # --json: an error object on stdout, with what was measured if anything
            assert f"interrupted by {sig.name}" in json.loads(out)["error"]["message"]
