"""A whole labgrid farm on 127.0.0.1: labgrid's coordinator, three `tinyvid farm
serve` nodes each exporting an emulated Cortex-M4F (qemu-mps2-an386) running vww,
and suites run through it with regress. Checks: --jobs 3 is faster than --jobs 1
with identical reports; a place held by another client is waited for and the
holder named; an exporter node killed mid-suite is an ERROR for its case only,
and its place is released; no process outlives the farm."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tinyvid.farm import labgrid_python, list_places
from tinyvid.farm.labgrid_env import HELPER, LABGRID
from tinyvid.harness.regress import regress
from tinyvid.harness.reporters import to_json

pytestmark = [
    pytest.mark.emulated,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs qemu-system-arm and arm-none-eabi-gcc"),
    pytest.mark.skipif(not LABGRID.ready, reason="labgrid's environment is made by scripts/setup.sh"),
]

BOARD = "qemu-mps2-an386"
PLACES = ("lab-1", "lab-2", "lab-3")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _tree(root: int) -> set[int]:
    """``root`` and every live process below it."""
    children, found, todo = _children(), {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Node:
    """A tinyvid command as a child process whose stderr lines are read as they come."""

    def __init__(self, args: list[str], env: dict):
        self.process = subprocess.Popen([sys.executable, "-m", "tinyvid", *args], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stderr], daemon=True).start()

    def wait_for(self, text: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            assert self.process.poll() is None or not self.lines.empty(), f"ended: {''.join(self.seen)}"
            try:
                self.seen.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"no '{text}' in {timeout:.0f} s: {''.join(self.seen)}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def farm(vww_model, tmp_path_factory):
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    root = tmp_path_factory.mktemp("farm")
    first = root / "vww-1"
    generate_project(vww_model, BOARD, first)
    build_project(first)
    projects = [first] + [shutil.copytree(first, root / f"vww-{n}", copy_function=shutil.copy2) for n in (2, 3)]
    address = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "LG_COORDINATOR": address}
    coordinator = Node(["farm", "coordinator", "--listen", address, "--dir", str(root)], env)
    coordinator.wait_for("labgrid coordinator on")
    nodes = {}
    try:
        for number, (place, project) in enumerate(zip(PLACES, projects), 1):
            nodes[place] = Node(["farm", "serve", str(project), "--name", f"node{number}", "--place", place], env)
        for node in nodes.values():
            node.wait_for("serving 1 board(s)")
        yield {"address": address, "root": root, "coordinator": coordinator, "nodes": nodes, "env": env,
               "started": set().union(*(_tree(n.process.pid) for n in [coordinator, *nodes.values()]))}
    finally:
        for node in [*nodes.values(), coordinator]:
            node.stop()


def _inputs(root: Path, n: int) -> Path:
    """``n`` raw 96x96x3 inputs of the vww model (a folder with labels.csv)."""
    folder = root / "inputs"
    if not folder.is_dir():
        folder.mkdir()
        rng = np.random.default_rng(0)
        lines = ["file,label"]
        for i in range(n):
            (folder / f"{i:03d}.bin").write_bytes(rng.integers(0, 256, 96 * 96 * 3, dtype=np.uint8).tobytes())
            lines.append(f"{i:03d}.bin,{i % 2}")
        (folder / "labels.csv").write_text("\n".join(lines) + "\n")
    return folder


def _suite(root: Path, name: str, cases: list[tuple[str, str, int]], model: Path) -> Path:
    path = root / f"{name}.toml"
    text = f'version = 1\nname = "{name}"\n'
    for case, place, samples in cases:
        text += (f'\n[[case]]\nname = "{case}"\nmodel = "{model}"\nplace = "{place}"\nboard = "{BOARD}"\n'
                 f'data = "{_inputs(root, 12)}"\n'
                 f"windows = 1\niterations = 1\nwarmup = 0\nsamples = {samples}\nplace_wait = 120\n"
                 "[case.budget]\n" + ("bit_exact = 1.0\n" if samples else "instructions = 9000000\n"))
    path.write_text(text)
    return path


def _timeless(outcome) -> dict:
    """The JSON report without the wall-clock seconds and the emulated latency (QEMU's
    virtual clock is exact to about a microsecond per second: compared apart)."""
    report = json.loads(to_json(outcome))
    return {**report, "cases": [{**{k: v for k, v in c.items() if k != "seconds"},
                                 "metrics": {k: v for k, v in c["metrics"].items() if k != "latency_us"}}
                                for c in report["cases"]]}


def test_three_jobs_over_three_farm_boards_are_faster_than_one_with_identical_reports(farm, vww_model, monkeypatch):
    monkeypatch.setenv("LG_COORDINATOR", farm["address"])
    cases = [(f"vww-{n}-{place}", place, 0) for n in (1, 2) for place in PLACES]  # bench only: CI time
    suite = _suite(farm["root"], "six", cases, vww_model)
    start = time.monotonic()
    serial = regress(suite, jobs=1)
    serial_s = time.monotonic() - start
    start = time.monotonic()
    parallel = regress(suite, jobs=3)
    parallel_s = time.monotonic() - start
    print(f"6 cases over 3 farm boards: --jobs 1 {serial_s:.1f} s, --jobs 3 {parallel_s:.1f} s, "
          f"ratio {serial_s / parallel_s:.2f}")
    assert [c.status for c in serial.cases] == ["passed"] * 6, [c.error for c in serial.cases]
    assert _timeless(parallel) == _timeless(serial)  # ids, order, statuses, instructions, bit_exact...
    for one, three in zip(serial.cases, parallel.cases):
        assert three.metrics["latency_us"] == pytest.approx(one.metrics["latency_us"], rel=1e-5)
    assert serial.cases[0].metrics["instructions"] > 1e6 and serial.cases[0].metrics["macs_per_unit"] > 0.5
    assert serial_s / parallel_s > 1.2
    assert all(p["acquired"] is None for p in list_places(coordinator=farm["address"])["places"])


def _holder(address: str, place: str, user: str) -> subprocess.Popen:
    """Another labgrid client, as user ``user``, holding ``place`` until its stdin closes."""
    env = {**os.environ, "LG_COORDINATOR": address, "LG_USERNAME": user}
    holder = subprocess.Popen([str(labgrid_python()), "-I", str(HELPER), "hold", place, "--wait", "30"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert json.loads(holder.stdout.readline())["event"] == "acquired"
    return holder


def test_a_place_held_by_another_client_is_waited_for_and_the_holder_named(farm):
    holder = _holder(farm["address"], "lab-1", "alice")
    try:
        refused = subprocess.run([sys.executable, "-m", "tinyvid", "bench", "--place", "lab-1", "--place-wait", "1",
                                  "--windows", "1", "--iterations", "1"], env=farm["env"], capture_output=True,
                                 text=True, timeout=120)
        assert refused.returncode == 2
        assert f"error: place lab-1 is held by {socket.gethostname()}/alice: waited" in refused.stderr
        bench = subprocess.Popen([sys.executable, "-m", "tinyvid", "bench", "--place", "lab-1", "--place-wait", "120",
                                  "--windows", "1", "--iterations", "1"], env=farm["env"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        time.sleep(8.0)
        assert bench.poll() is None  # still waiting for alice
    finally:
        holder.stdin.close()  # alice is done: she releases the place
        holder.wait(timeout=30)
    out, err = bench.communicate(timeout=180)
    assert bench.returncode == 0, err
    assert f"place lab-1 is held by {socket.gethostname()}/alice: waiting for it (at most 120 s)" in err
    assert "instructions" in out and "qemu-mps2-an386" in out


def test_a_place_chosen_by_its_tags_is_reserved_through_the_coordinator(farm):
    bench = subprocess.run([sys.executable, "-m", "tinyvid", "bench", "--place", f"board={BOARD},model=vww01",
                            "--windows", "1", "--iterations", "1", "--json"], env=farm["env"], capture_output=True,
                           text=True, timeout=180)
    assert bench.returncode == 0, bench.stderr
    assert "note: acquired place lab-" in bench.stderr
    assert json.loads(bench.stdout)["board"] == BOARD


def _acquired(address: str, place: str) -> str | None:
    return next(p["acquired"] for p in list_places(coordinator=address)["places"] if p["name"] == place)


def test_a_place_is_released_when_tinyvid_is_killed(farm):
    bench = subprocess.Popen([sys.executable, "-m", "tinyvid", "bench", "--place", "lab-2", "--windows", "50",
                              "--iterations", "2"], env=farm["env"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _acquired(farm["address"], "lab-2") is None:
            assert bench.poll() is None and time.monotonic() < deadline, "bench never acquired lab-2"
            time.sleep(0.2)
        tree = _tree(bench.pid)
        bench.kill()  # SIGKILL: no handler runs in tinyvid; its labgrid client gets a SIGTERM and releases
        bench.wait()
    finally:
        if bench.poll() is None:
            bench.kill()
    deadline = time.monotonic() + 20
    while _acquired(farm["address"], "lab-2") is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _acquired(farm["address"], "lab-2") is None
    assert not [pid for pid in tree if _alive(pid)]


def test_a_killed_exporter_mid_suite_is_an_error_for_its_case_only(farm, vww_model, monkeypatch):
    monkeypatch.setenv("LG_COORDINATOR", farm["address"])
    cases = [("vww-lab-1", "lab-1", 1), ("vww-lab-2", "lab-2", 1), ("vww-lab-3", "lab-3", 12)]
    suite = _suite(farm["root"], "fault", cases, vww_model)
    node = farm["nodes"]["lab-3"]
    node_tree = _tree(node.process.pid)
    result = {}
    run = threading.Thread(target=lambda: result.setdefault("outcome", regress(suite, jobs=3)))
    run.start()
    deadline = time.monotonic() + 120
    while not any(p["name"] == "lab-3" and p["acquired"] for p in list_places(coordinator=farm["address"])["places"]):
        assert time.monotonic() < deadline and run.is_alive(), "the lab-3 case never acquired its place"
        time.sleep(0.2)
    time.sleep(4.0)  # its board is mid-bench or mid-validation
    os.kill(node.process.pid, signal.SIGKILL)  # the exporter node and its board
    run.join(timeout=240)
    assert not run.is_alive()
    outcome = result["outcome"]
    assert [c.status for c in outcome.cases] == ["passed", "passed", "error"], [c.error for c in outcome.cases]
    error = outcome.cases[2].error
    assert error.startswith("on place lab-3 (socket://127.0.0.1:") and "closed" in error, error
    assert all(c.metrics["bit_exact"] == 1.0 for c in outcome.cases[:2])
    places = {p["name"]: p["acquired"] for p in list_places(coordinator=farm["address"])["places"]}
    assert places["lab-3"] is None  # released although its board and exporter are gone
    deadline = time.monotonic() + 5
    while [pid for pid in node_tree if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in node_tree if _alive(pid)]  # its QEMU and labgrid exporter died with it


def test_a_case_is_flashed_onto_its_farm_board_through_labgrid(farm, resnet8_model, monkeypatch, tmp_path):
    """lab-1 runs vww; a resnet8 case on it has its project built and loaded through
    labgrid's FlashromDriver (the node restarts the board with it), then validates
    bit-exact against resnet8: the firmware reports resnet8's hash, so it was loaded."""
    monkeypatch.setenv("LG_COORDINATOR", farm["address"])
    suite = tmp_path / "flash.toml"
    suite.write_text(f'version = 1\nname = "flash"\n\n[[case]]\nname = "resnet8-lab-1"\nmodel = "{resnet8_model}"\n'
                     f'place = "lab-1"\nboard = "{BOARD}"\nwindows = 1\niterations = 1\nwarmup = 0\nsamples = 2\n'
                     "place_wait = 60\nflash = true\n[case.budget]\nbit_exact = 1.0\n")
    case, = regress(suite).cases
    assert case.status == "passed", case.error
    assert case.metrics["bit_exact"] == 1.0 and case.metrics["instructions"] > 1e6
    assert ("place lab-1: flashed the case's build (resnet8_cifar10_int8.tflite for qemu-mps2-an386) through "
            "labgrid's FlashromDriver") in case.notes, case.notes
    farm["nodes"]["lab-1"].wait_for("place lab-1: restarted with ", timeout=10)
    assert _acquired(farm["address"], "lab-1") is None


def test_no_process_outlives_the_farm(farm):
    started = set(farm["started"])
    for node in [*farm["nodes"].values(), farm["coordinator"]]:
        node.stop()
    deadline = time.monotonic() + 5
    while (left := [pid for pid in started if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [(pid, Path(f"/proc/{pid}/cmdline").read_bytes()[:80]) for pid in left]
    assert not [pid for pid in _tree(os.getpid()) - {os.getpid()} if _alive(pid)
                and b"labgrid" in Path(f"/proc/{pid}/cmdline").read_bytes()]
