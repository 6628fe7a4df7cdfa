"""The board's serial protocol as data: lines in, records out.

:func:`parse_line` turns one line a board printed into a :class:`Record`; it never
talks to a board. The line formats are the EEMBC / MLPerf Tiny DUT protocol and
tinyvid's ``tv-`` extensions (``docs/protocol.md``). A line that fits no format is a
``GARBAGE`` record rather than an exception, so the client decides what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

READY = "ready"
NAME = "name"
PROFILE = "profile"
MODEL = "model"
LAP = "lap"
EXPECTING = "expecting"
LOAD_DONE = "load-done"
BUFFER = "buffer"
WARMUP_START = "warmup-start"
WARMUP_DONE = "warmup-done"
INFER_START = "infer-start"
INFER_DONE = "infer-done"
RESULTS = "results"
BOOT_MODE = "boot-mode"
INIT_DONE = "init-done"
TV_INFO = "tv-info"
TV_LOAD_READY = "tv-load-ready"
TV_TICKS = "tv-ticks"
TV_OUTPUT = "tv-output"
TV_PERF = "tv-perf"
TV_PROFILE = "tv-profile"
TV_OP = "tv-op"
TV_DETECTIONS = "tv-detections"
ERROR = "error"
MESSAGE = "message"
GARBAGE = "garbage"

#: Kinds that only a booting board prints: seeing them mid-session means a reset.
BOOT_KINDS = frozenset({BOOT_MODE, INIT_DONE})


@dataclass(frozen=True)
class Record:
    """One parsed line: its ``kind``, its ``value`` (kind-dependent) and the line."""

    kind: str
    value: Any
    line: str


def _hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text.replace("-", "").replace(",", "").replace(" ", ""))


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(",") if v.strip())


def _perf(text: str) -> dict[str, int]:
    fields = dict(item.split("=", 1) for item in text.split(","))
    return {key.strip(): int(value) for key, value in fields.items()}


def _info(match: re.Match) -> tuple[str, str]:
    return match.group(1), match.group(2)


# Order matters: the first pattern that matches wins. ``m-ready`` is matched
# anywhere in a line, as the official runners do.
_PATTERNS: list[tuple[str, re.Pattern, Any]] = [
    (NAME, re.compile(r"^m-name-dut-\[(.*)\]$"), lambda m: m.group(1)),
    (PROFILE, re.compile(r"^m-profile-\[(.*)\]$"), lambda m: m.group(1)),
    (MODEL, re.compile(r"^m-model-\[(.*)\]$"), lambda m: m.group(1)),
    (LAP, re.compile(r"^m-lap-us-(\d+)$"), lambda m: int(m.group(1))),
    (EXPECTING, re.compile(r"^m-\[Expecting (\d+) bytes\]$"), lambda m: int(m.group(1))),
    (LOAD_DONE, re.compile(r"^m-load-done$"), lambda m: None),
    (BUFFER, re.compile(r"^m-buffer-((?:[0-9a-fA-F]{2}-?)*)$"), lambda m: _hex_bytes(m.group(1))),
    (WARMUP_START, re.compile(r"^m-warmup-start-(\d+)$"), lambda m: int(m.group(1))),
    (WARMUP_DONE, re.compile(r"^m-warmup-done$"), lambda m: None),
    (INFER_START, re.compile(r"^m-infer-start-(\d+)$"), lambda m: int(m.group(1))),
    (INFER_DONE, re.compile(r"^m-infer-done$"), lambda m: None),
    (RESULTS, re.compile(r"^m-results-\[([^]]*)\]$"), lambda m: _floats(m.group(1))),
    (BOOT_MODE, re.compile(r"^m-timestamp-mode-(\w+)$"), lambda m: m.group(1)),
    (INIT_DONE, re.compile(r"^m-init-done$"), lambda m: None),
    (TV_LOAD_READY, re.compile(r"^m-tv-load-ready-\[(\d+)\]$"), lambda m: int(m.group(1))),
    (TV_TICKS, re.compile(r"^m-tv-ticks-\[(\d+)\]$"), lambda m: int(m.group(1))),
    (TV_OUTPUT, re.compile(r"^m-tv-output-\[([0-9a-fA-F]*)\]$"), lambda m: bytes.fromhex(m.group(1))),
    (TV_PERF, re.compile(r"^m-tv-perf-\[([a-z]+=\d+(?:,[a-z]+=\d+)*)\]$"), lambda m: _perf(m.group(1))),
    (TV_PROFILE, re.compile(r"^m-tv-profile-\[([a-z]+=\d+(?:,[a-z]+=\d+)*)\]$"), lambda m: _perf(m.group(1))),
    (TV_OP, re.compile(r"^m-tv-op-\[(\d+),(\d+)\]$"), lambda m: (int(m.group(1)), int(m.group(2)))),
    (TV_DETECTIONS, re.compile(r"^m-tv-detections-\[(\d+(?:;\d+,\d+,\d+,-?\d+)*)\]$"), lambda m: m.group(1)),
    (TV_INFO, re.compile(r"^m-tv-([a-z0-9-]+)-\[(.*)\]$"), _info),
    (ERROR, re.compile(r"^e-\[(.*)\]$"), lambda m: m.group(1)),
    (MESSAGE, re.compile(r"^m-\[(.*)\]$"), lambda m: m.group(1)),
]


def parse_line(line: bytes | str) -> Record:
    """Parse one line (with or without its line end) into a :class:`Record`."""
    if isinstance(line, bytes):
        text = line.decode("ascii", "replace")
    else:
        text = line
    text = text.strip("\r\n\x00 ")
    if "m-ready" in text:
        return Record(READY, None, text)
    for kind, pattern, convert in _PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return Record(kind, convert(match), text)
            except ValueError:
                return Record(GARBAGE, text, text)
    return Record(GARBAGE, text, text)


@dataclass
class Reply:
    """Everything a board printed for one command, up to and including ``m-ready``."""

    command: str
    records: list[Record] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [r.line for r in self.records]

    def all(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def first(self, kind: str) -> Record | None:
        for record in self.records:
            if record.kind == kind:
                return record
        return None

    @property
    def errors(self) -> list[str]:
        return [r.value for r in self.records if r.kind == ERROR]

    @property
    def garbage(self) -> list[str]:
        return [r.line for r in self.records if r.kind == GARBAGE]

    @property
    def has_boot_lines(self) -> bool:
        return any(r.kind in BOOT_KINDS for r in self.records)


def format_command(*words: object) -> bytes:
    """The bytes a host sends for a command: words joined by spaces, then ``%``."""
    text = " ".join(str(w) for w in words)
    if "%" in text or "\n" in text or "\r" in text:
        raise ValueError(f"a command cannot contain '%' or a line end: {text!r}")
    return (text + "%").encode("ascii")


def info_from_records(records: list[Record]) -> dict[str, str]:
    """The ``tv-info`` key/value pairs of a reply."""
    return dict(r.value for r in records if r.kind == TV_INFO)
