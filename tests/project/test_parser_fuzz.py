"""Fuzzes the firmware's command parser: the host build of the DUT core with
AddressSanitizer and UBSan, fed random and mutated command streams (fixed seeds,
bounded size). No crash, no sanitizer finding, no hang, and every command gets
exactly one reply that ends with m-ready."""

from __future__ import annotations

import random
import struct
import subprocess

import pytest
from dut_client import DutClient
from helpers import ECHO_MODEL, TINY_MODEL, have_arm_toolchain, have_qemu, make

from tinyvid.project import generate_project

UNITS = 2500
SEEDS = (1, 2, 3)


def _build(root, model, **options):
    project = generate_project(model, "host", root, **options)
    result = make(project.path, "SANITIZE=1")
    if result.returncode != 0 and any(word in result.stderr for word in ("sanitize", "asan", "ubsan")):
        pytest.skip(f"this compiler cannot build with sanitizers: {result.stderr[-300:]}")
    assert result.returncode == 0, result.stderr
    return project.path / "build" / "firmware", project.manifest["input"]["file_bytes"]


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    return {
        "uint8": _build(root / "tiny", TINY_MODEL, model_id="vww01"),
        "float32": _build(root / "echo", ECHO_MODEL, model_id="ad01"),
    }


def _number(rng: random.Random) -> str:
    return rng.choice(["0", "1", "2", "7", "15", "16", "17", "31", "32", "33", "-1", "x", "", "4294967296",
                       "99999999999999999999", "1e3", str(rng.randrange(0, 64))])  # fmt: skip


def _hex(rng: random.Random) -> str:
    digits = "0123456789abcdefABCDEF" + "gxz% -"
    n = rng.choice([0, 1, 2, 31 * 2, rng.randrange(0, 90)])
    return "".join(rng.choice(digits if rng.random() < 0.05 else digits[:22]) for _ in range(n))


def _command(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice(["name", "profile", "timestamp", "results", "tv-info", "tv-output", "tv-perf", "tv-infer"])
    if kind in (1, 2):
        return f"db load {_number(rng)}"
    if kind in (3, 4, 5):
        return "db " + _hex(rng)
    if kind == 6:
        return rng.choice(["db print", "db", "db load", "infer", "tv-load", "tv-load x"])
    if kind == 7:
        return f"infer {rng.choice(['1', '2', '0', 'x', '-1', ''])} {rng.choice(['0', '1', '-1', 'y', ''])}"
    if kind == 8:
        return "".join(chr(rng.randrange(32, 127)) for _ in range(rng.choice([1, 79, 80, 81, 200])))
    return rng.choice(["name", "profile", "db print", "results"]) + " " * rng.randrange(3) + "extra"


def _mutate(rng: random.Random, text: bytes) -> bytes:
    data = bytearray(text)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(3)
        pos = rng.randrange(len(data) + 1)
        if op == 0:
            data[pos:pos] = bytes([rng.randrange(256)])
        elif op == 1 and data:
            del data[min(pos, len(data) - 1)]
        elif data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
    return bytes(data)


def _stream(seed: int, capacity: int, units: int = UNITS) -> tuple[bytes, int]:
    """A command stream and the number of replies it must get."""
    rng = random.Random(seed)
    out = bytearray()
    replies = 0
    for _ in range(units):
        roll = rng.random()
        if roll < 0.08:  # a well-formed binary load, payload full of '%'
            n = rng.randrange(1, capacity + 1)
            payload = bytes(rng.choice([37, rng.randrange(256)]) for _ in range(n))
            out += f"tv-load {n}%".encode() + payload
            replies += 1
            continue
        text = _command(rng).encode("latin-1")
        if "infer" not in text.decode("latin-1") and roll < 0.45:
            text = _mutate(rng, text)
            if b"tv-load" in text or b"infer" in text:
                continue  # a mutant could wait for raw bytes or run long: skip it
        unit = text + b"%"
        out += unit
        replies += unit.count(b"%")
    return bytes(out), replies


@pytest.mark.emulated  # builds the host-board firmware with sanitizers and runs it
@pytest.mark.parametrize("conversion", ["uint8", "float32"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_and_mutated_commands_never_crash_and_are_all_answered(sanitized, conversion, seed):
    firmware, capacity = sanitized[conversion]
    stream, replies = _stream(seed * 10 + len(conversion), capacity)
    proc = subprocess.run([str(firmware)], input=stream, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert b"runtime error" not in proc.stderr and b"Sanitizer" not in proc.stderr
    output = proc.stdout.decode("ascii")
    assert output.endswith("\r\n")
    lines = output[:-2].split("\r\n")
    assert all(line.startswith(("m-", "e-")) and line.isprintable() for line in lines)
    assert sum(line == "m-ready" for line in lines) == replies + 1  # + the boot reply
    assert lines[-1] == "m-ready"


@pytest.mark.emulated
def test_float_inputs_that_are_not_numbers_are_handled(sanitized):
    firmware, capacity = sanitized["float32"]
    values = [float("nan"), float("inf"), -float("inf"), 1e38, -1e38, 0.0, -0.0, 3.4e38][: capacity // 4]
    stream = f"tv-load {capacity}%".encode() + struct.pack(f"<{len(values)}f", *values) + b"infer 1 0%tv-output%"
    proc = subprocess.run([str(firmware)], input=stream, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    lines = proc.stdout.decode("ascii").split("\r\n")
    output = next(line for line in lines if line.startswith("m-tv-output-["))
    # NaN -> zero point (3), +inf/huge -> 127, -inf/-huge -> -128, zeros -> zero point.
    assert output == "m-tv-output-[037f807f8003037f]"


@pytest.mark.emulated
@pytest.mark.skipif(not (have_qemu() and have_arm_toolchain()), reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_the_cortex_m_build_answers_a_fuzzed_stream_too(tmp_path):
    from tinyvid.build import build_project, launch_board

    project = generate_project(TINY_MODEL, "qemu-mps2-an386", tmp_path / "p", model_id="vww01")
    build_project(project.path)
    stream, replies = _stream(99, 16, units=300)  # host-to-guest runs at ~13 kB/s
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        dut.send(stream)
        lines = []
        while sum(line == "m-ready" for line in lines) < replies:
            lines.append(dut.line(timeout=20))
        assert all(line.startswith(("m-", "e-")) and line.isprintable() for line in lines)
        assert dut.command("name") == ["m-name-dut-[tinyvid-qemu-mps2-an386]", "m-ready"]
        assert running.alive
