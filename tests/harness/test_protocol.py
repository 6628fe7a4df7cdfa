"""The line parser: every line a board prints becomes the right record."""

import pytest

from tinyvid.harness import protocol as p


@pytest.mark.parametrize("line, kind, value", [
    ("m-ready", p.READY, None),
    ("m-name-dut-[tinyvid-an386]", p.NAME, "tinyvid-an386"),
    ("m-profile-[tinyvid-qemu]", p.PROFILE, "tinyvid-qemu"),
    ("m-model-[vww01]", p.MODEL, "vww01"),
    ("m-lap-us-123456", p.LAP, 123456),
    ("m-[Expecting 27648 bytes]", p.EXPECTING, 27648),
    ("m-load-done", p.LOAD_DONE, None),
    ("m-buffer-00-01-fe-ff", p.BUFFER, b"\x00\x01\xfe\xff"),
    ("m-warmup-start-10", p.WARMUP_START, 10),
    ("m-warmup-done", p.WARMUP_DONE, None),
    ("m-infer-start-20", p.INFER_START, 20),
    ("m-infer-done", p.INFER_DONE, None),
    ("m-results-[0.012,0.988]", p.RESULTS, (0.012, 0.988)),
    ("m-timestamp-mode-performance", p.BOOT_MODE, "performance"),
    ("m-init-done", p.INIT_DONE, None),
    ("m-tv-version-[1]", p.TV_INFO, ("version", "1")),
    ("m-tv-input-shape-[1x96x96x3]", p.TV_INFO, ("input-shape", "1x96x96x3")),
    ("m-tv-output-zero-point-[-128]", p.TV_INFO, ("output-zero-point", "-128")),
    ("m-tv-load-ready-[3072]", p.TV_LOAD_READY, 3072),
    ("m-tv-ticks-[1234567]", p.TV_TICKS, 1234567),
    ("m-tv-output-[80ff7f]", p.TV_OUTPUT, b"\x80\xff\x7f"),
    ("m-tv-perf-[ticks=1000,n=5,hz=25000000]", p.TV_PERF, {"ticks": 1000, "n": 5, "hz": 25000000}),
    ("e-[Unknown command: frobnicate]", p.ERROR, "Unknown command: frobnicate"),
    ("e-[Invalid hex digit 'zz']", p.ERROR, "Invalid hex digit 'zz'"),
    ("m-[Command too long]", p.MESSAGE, "Command too long"),
])
def test_parses_every_line_kind(line, kind, value):
    record = p.parse_line((line + "\r\n").encode())
    assert (record.kind, record.value, record.line) == (kind, value, line)


@pytest.mark.parametrize("line", ["", "hello", "\x00\xffm-lap-us-", "m-lap-us-12x", "m-results-[1.0,abc]"])
def test_unparseable_lines_are_garbage_not_exceptions(line):
    assert p.parse_line(line.encode("latin-1")).kind == p.GARBAGE


def test_ready_is_found_anywhere_in_a_line_as_the_official_runners_do():
    assert p.parse_line(b"noise m-ready").kind == p.READY


def test_reply_helpers_find_records_errors_and_boot_lines():
    reply = p.Reply("x%", [p.parse_line(l) for l in (b"e-[bad]", b"m-init-done", b"m-lap-us-5", b"m-ready")])
    assert reply.errors == ["bad"]
    assert reply.has_boot_lines
    assert reply.first(p.LAP).value == 5
    assert reply.lines[-1] == "m-ready"


def test_commands_are_words_joined_by_spaces_and_ended_by_percent():
    assert p.format_command("infer", 20, 5) == b"infer 20 5%"
    with pytest.raises(ValueError):
        p.format_command("db", "load%")
