"""The firmware's DUT protocol, answered by the host build of the very C that runs
on the Cortex-M boards: exact standard replies, tv- extensions, every error."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import tiny_model
from dut_client import DutClient
from helpers import ECHO_MODEL, copy_model, make

from tinyvid.project import generate_project

pytestmark = pytest.mark.emulated  # every test builds and boots the host-board firmware

BOOT = ["m-timestamp-mode-performance", "m-lap-us-", "m-init-done", "m-ready"]


@pytest.fixture
def dut(host_firmware):
    with DutClient.process(host_firmware) as client:
        client.boot = client.reply()
        yield client


def _load_hex(dut, data: bytes) -> list[list[str]]:
    replies = [dut.command(f"db load {len(data)}")]
    for start in range(0, len(data), 31):
        replies.append(dut.command("db " + data[start : start + 31].hex()))
    return replies


def test_boots_with_the_four_standard_lines_only(dut):
    assert len(dut.boot) == 4
    for line, prefix in zip(dut.boot, BOOT):
        assert line.startswith(prefix)


def test_name_and_profile_give_the_model_id(dut):
    assert dut.command("name") == ["m-name-dut-[tinyvid-host]", "m-ready"]
    assert dut.command("profile") == ["m-profile-[ulp-mlperf]", "m-model-[vww01]", "m-ready"]


def test_timestamp_is_monotonic_microseconds(dut):
    first = int(dut.command("timestamp")[0].removeprefix("m-lap-us-"))
    second = int(dut.command("timestamp")[0].removeprefix("m-lap-us-"))
    assert second >= first


def test_hex_load_in_31_byte_commands_then_infer_matches_the_reference(dut):
    pixels = np.arange(16, dtype=np.uint8) * 16 + 3
    replies = _load_hex(dut, pixels.tobytes())
    assert replies[0] == ["m-[Expecting 16 bytes]", "m-ready"]
    assert replies[-1] == ["m-load-done", "m-ready"]
    reply = dut.command("infer 3 2")
    assert reply[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-3"]
    assert reply[3].startswith("m-lap-us-") and reply[4].startswith("m-lap-us-")
    assert int(reply[4][9:]) >= int(reply[3][9:])
    expected = tiny_model.invoke((pixels.astype(np.int16) - 128).astype(np.int8))
    assert reply[5:] == ["m-infer-done", f"m-results-[{','.join(tiny_model.results(expected))}]", "m-ready"]
    assert dut.command("results") == [f"m-results-[{','.join(tiny_model.results(expected))}]", "m-ready"]
    assert dut.command("tv-output") == [f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]", "m-ready"]


def test_db_print_shows_the_loaded_bytes_eight_per_line(dut):
    _load_hex(dut, bytes(range(10)))
    assert dut.command("db print") == ["m-buffer-00-01-02-03-04-05-06-07", "m-buffer-08-09", "m-ready"]


def test_upper_case_hex_digits_are_accepted(dut):
    dut.command("db load 2")
    assert dut.command("db ABff") == ["m-load-done", "m-ready"]
    assert dut.command("db print") == ["m-buffer-ab-ff", "m-ready"]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("db", "e-[Command 'db' requires a subcommand]"),
        ("db load", "e-[Command 'db load' requires the # of bytes]"),
        ("db load 0", "e-[Command 'db load' must be >0 bytes]"),
        ("db load -3", "e-[Command 'db load' must be >0 bytes]"),
        ("db load 17", "e-[Command 'db load' of 17 bytes exceeds the input buffer of 16 bytes]"),
        ("db 123", "e-[Insufficent number of hex digits]"),
        ("db 12zz", "e-[Invalid hex digit 'zz']"),
        ("infer 0 1", "e-[Inference iterations must be >0]"),
        ("infer x", "e-[Inference iterations must be >0]"),
        ("infer 1 -1", "e-[Inference warmup must be >=0]"),
        ("frobnicate now", "e-[Unknown command: frobnicate now]"),
        ("", "e-[Unknown command: ]"),
        ("tv-load 0", "e-[tv-load must be >0 bytes]"),
        ("tv-load 99", "e-[tv-load 99 bytes exceed the input buffer of 16 bytes]"),
    ],
)
def test_bad_commands_get_the_reference_error_reply(dut, command, error):
    assert dut.command(command) == [error, "m-ready"]
    assert dut.command("name") == ["m-name-dut-[tinyvid-host]", "m-ready"]  # still in step


def test_db_hex_past_the_announced_size_is_refused(dut):
    dut.command("db load 2")
    assert dut.command("db 01020") == ["e-[Insufficent number of hex digits]", "m-ready"]
    assert dut.command("db 01020304") == ["e-[Command 'db' sends more than the 2 bytes expected]", "m-ready"]
    assert dut.command("db 0102") == ["m-load-done", "m-ready"]
    assert dut.command("db 03") == ["e-[Command 'db' sends more than the 2 bytes expected]", "m-ready"]


def test_db_hex_without_db_load_is_refused(dut):
    assert dut.command("db 0102") == ["e-[Command 'db' needs a 'db load <N>' first]", "m-ready"]


def test_results_before_any_inference_is_an_error(dut):
    assert dut.command("results") == ["e-[No inference has run]", "m-ready"]
    assert dut.command("tv-output") == ["e-[No inference has run]", "m-ready"]


def test_eighty_characters_are_kept_and_eighty_one_are_too_long(dut):
    kept = "x" * 80
    assert dut.command(kept) == [f"e-[Unknown command: {kept}]", "m-ready"]
    assert dut.command("x" * 81) == ["e-[Command too long]", "m-ready"]
    assert dut.command("y" * 5000) == ["e-[Command too long]", "m-ready"]
    assert dut.command("name") == ["m-name-dut-[tinyvid-host]", "m-ready"]


def test_non_ascii_bytes_are_echoed_as_question_marks(dut):
    assert dut.command("\x01\xffab") == ["e-[Unknown command: ??ab]", "m-ready"]


def test_tv_info_reports_model_board_and_timer(dut):
    lines = dut.command("tv-info")
    assert lines[-1] == "m-ready"
    info = dict(line[5:-1].split("-[", 1) for line in lines[:-1])
    model_hash = info.pop("model-hash")  # the model's sha256, first 16 hex digits (tests/project/test_validate* check its value)
    assert len(model_hash) == 16 and int(model_hash, 16) >= 0
    assert info == {
        "version": "1", "model": "vww01", "board": "host", "conversion": "uint8",
        "input-bytes": "16", "input-shape": "1x16", "input-scale": "0.00392156886", "input-zero-point": "-128",
        "output-bytes": "4", "output-scale": "0.00390625", "output-zero-point": "-128",
        "arena-bytes": "32", "macs": "64", "timer": "host", "timer-hz": "1000000000",
    }  # fmt: skip


def test_tv_load_takes_raw_bytes_including_percent_signs(dut):
    data = bytes([37, 0, 255, 37, 10, 13, 128, 1, 2, 3, 4, 5, 6, 7, 8, 37])
    assert dut.tv_load(data) == ["m-load-done", "m-ready"]
    reply = dut.command("tv-infer")
    expected = tiny_model.invoke((np.frombuffer(data, np.uint8).astype(np.int16) - 128).astype(np.int8))
    assert reply[0].startswith("m-tv-ticks-[")
    assert reply[1:] == [f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]", "m-ready"]
    assert dut.command("db print")[:2] == ["m-buffer-25-00-ff-25-0a-0d-80-01", "m-buffer-02-03-04-05-06-07-08-25"]


def test_tv_load_times_out_when_the_bytes_stop(dut):
    dut.send(b"tv-load 16%")
    assert dut.line() == "m-tv-load-ready-[16]"
    dut.send(b"\x01\x02\x03")
    assert dut.reply(timeout=10) == ["e-[tv-load timed out after 3 of 16 bytes]", "m-ready"]
    assert dut.command("name") == ["m-name-dut-[tinyvid-host]", "m-ready"]


def test_tv_perf_counts_the_timed_inferences(dut):
    assert dut.command("tv-perf") == ["m-tv-perf-[ticks=0,n=0,hz=1000000000]", "m-ready"]
    dut.tv_load(bytes(16))
    dut.command("infer 5 0")
    ticks, n, hz = (field.split("=")[1] for field in dut.command("tv-perf")[0][10:-1].split(","))
    assert int(ticks) > 0 and n == "5" and hz == "1000000000"


def test_int8_conversion_feeds_bytes_as_they_are(int8_firmware):
    data = np.array([-128, -1, 0, 1, 127, 5, -5, 60, -60, 3, 2, 1, 0, -1, -2, -3], np.int8)
    with DutClient.process(int8_firmware) as dut:
        dut.reply()
        assert dut.command("profile")[1] == "m-model-[kws01]"
        dut.tv_load(data.tobytes())
        expected = tiny_model.invoke(data)
        assert dut.command("tv-infer")[1] == f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]"


def test_ad01_quantizes_float32_input_and_prints_one_mse(ad01_firmware):
    window = np.array([0.0, 0.024, 0.026, -0.5, 1.234, -6.5, 7.0, 100.0], np.float32)
    scale, zero_point = np.float32(0.05), 3
    q = np.clip(np.round(window / scale) + zero_point, -128, 127)  # ties: see below
    # TFLite rounds half away from zero: 0.025 / 0.05 is not exactly 0.5 in float32.
    halves = np.abs(window / scale - np.trunc(window / scale)) == 0.5
    q = np.where(halves, np.trunc(window / scale) + np.sign(window) + zero_point, q).astype(np.int8)
    deq = (q.astype(np.float32) - np.float32(zero_point)) * scale
    mse = np.float32(np.sum((deq - window) ** 2, dtype=np.float32) / np.float32(8))
    with DutClient.process(ad01_firmware) as dut:
        dut.reply()
        assert dut.command("db load 32") == ["m-[Expecting 32 bytes]", "m-ready"]
        dut.command("db " + struct.pack("<8f", *window)[:31].hex())
        assert dut.command("db " + struct.pack("<8f", *window)[31:].hex()) == ["m-load-done", "m-ready"]
        reply = dut.command("infer 1 0")
        assert reply[-2] == "m-results-[%0.3f]" % float(mse)
        assert dut.command("tv-output")[0] == f"m-tv-output-[{q.astype(np.uint8).tobytes().hex()}]"


@pytest.mark.parametrize(("scale", "zero_point"), [("0.05f", "3"), ("0.00390625f", "(-128)"), ("0.0123f", "(-7)")])
def test_results_print_every_int8_output_value_like_printf(tmp_path, scale, zero_point):
    # 1/256 makes exact ties (0.0625 -> "0.062"): printf rounds them half to even.
    model = copy_model(ECHO_MODEL, tmp_path / "m", MODEL_OUTPUT_0_SCALE=scale, MODEL_OUTPUT_0_ZERO_POINT=zero_point)
    project = generate_project(model, "host", tmp_path / "p", model_id="kws01")
    assert make(project.path).returncode == 0
    f_scale, f_zero = np.float32(scale.rstrip("f")), np.float32(zero_point.strip("()"))
    with DutClient.process(project.path / "build" / "firmware") as dut:
        dut.reply()
        for start in range(-128, 128, 8):
            q = np.arange(start, start + 8, dtype=np.int8)
            dut.tv_load(q.tobytes())
            values = (q.astype(np.float32) - f_zero) * f_scale
            expected = "m-results-[" + ",".join("%0.3f" % float(v) for v in values) + "]"
            assert dut.command("infer 1 0")[-2] == expected
