"""Measure models on boards: transports, the DUT protocol client, bench, validate,
regress and their reporters.

>>> from tinyvid.harness import DutClient, FakeDut, FakeTransport
>>> with DutClient(FakeTransport(FakeDut())) as client:
...     client.name()
'tinyvid-fake'
"""

from __future__ import annotations

from tinyvid.harness.bench import BenchResult, bench
from tinyvid.harness.client import BoardInfo, BoardReset, DutClient, InferResult, OutOfStep, Perf
from tinyvid.harness.process_link import ProcessTransport
from tinyvid.harness.recording import RecordingTransport, ReplayTransport
from tinyvid.harness.regress import SuiteOutcome, run_suite
from tinyvid.build.ports import find_board_port, list_serial_ports
from tinyvid.harness.serial_link import SerialTransport
from tinyvid.harness.session import bench_board, open_board, open_transport, validate_board
from tinyvid.harness.suite import Suite, load_suite
from tinyvid.harness.transport import Transport
from tinyvid.harness.validate import ValidationResult, validate

# The fake boards load on first use, so that `python -m tinyvid.harness.fake`
# does not import its own module twice.
_FAKES = {"FakeDut": "fake_dut", "FakeDutServer": "fake", "FakeTransport": "fake"}

__all__ = sorted([
    "BenchResult", "BoardInfo", "BoardReset", "DutClient", "InferResult", "OutOfStep", "Perf",
    "ProcessTransport", "RecordingTransport", "ReplayTransport", "SerialTransport", "Suite", "SuiteOutcome",
    "Transport", "ValidationResult", "bench", "bench_board", "find_board_port", "list_serial_ports",
    "load_suite", "open_board", "open_transport", "run_suite", "validate", "validate_board",
    *_FAKES,
])


def __getattr__(name: str):
    if name not in _FAKES:
        raise AttributeError(f"module 'tinyvid.harness' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"tinyvid.harness.{_FAKES[name]}"), name)
    globals()[name] = value
    return value
