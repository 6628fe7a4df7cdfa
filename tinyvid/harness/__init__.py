"""Measure models on boards: transports, the DUT protocol client, bench, validate,
regress and their reporters.

>>> from tinyvid.harness import DutClient, FakeDut, FakeTransport, bench
>>> with DutClient(FakeTransport(FakeDut())) as client:
...     client.name()
'tinyvid-fake'
"""

from tinyvid.harness.bench import BenchResult, bench
from tinyvid.harness.client import BoardInfo, BoardReset, DutClient, InferResult, OutOfStep, Perf
from tinyvid.harness.fake import FakeDut, FakeDutServer, FakeTransport
from tinyvid.harness.process_link import ProcessTransport
from tinyvid.harness.recording import RecordingTransport, ReplayTransport
from tinyvid.harness.regress import SuiteOutcome, run_suite
from tinyvid.harness.serial_link import SerialTransport, find_board_port, list_serial_ports
from tinyvid.harness.session import bench_board, open_board, open_transport, validate_board
from tinyvid.harness.suite import Suite, load_suite
from tinyvid.harness.transport import Transport
from tinyvid.harness.validate import ValidationResult, validate

__all__ = [
    "BenchResult", "BoardInfo", "BoardReset", "DutClient", "FakeDut", "FakeDutServer", "FakeTransport",
    "InferResult", "OutOfStep", "Perf", "ProcessTransport", "RecordingTransport", "ReplayTransport", "SerialTransport",
    "Suite", "SuiteOutcome", "Transport", "ValidationResult", "bench", "bench_board", "find_board_port",
    "list_serial_ports", "load_suite", "open_board", "open_transport", "run_suite", "validate",
    "validate_board",
]
