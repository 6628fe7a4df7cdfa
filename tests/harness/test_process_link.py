"""A board that is a local process speaking over stdin/stdout."""

import sys

import pytest

from tinyvid.errors import TransportClosed, TransportError
from tinyvid.harness.client import DutClient
from tinyvid.harness.process_link import ProcessTransport

FAKE = [sys.executable, "-m", "tinyvid.harness.fake"]


def test_a_process_board_answers_the_protocol():
    with DutClient(ProcessTransport(FAKE), line_timeout=10.0) as client:
        assert client.name() == "tinyvid-fake"
        client.tv_load(bytes(range(16)))
        assert len(client.tv_infer()[1]) == 4
        assert client.infer(2, 0).iterations == 2


def test_a_process_that_exits_mid_run_is_a_closed_link_with_its_status():
    with DutClient(ProcessTransport(FAKE + ["--die-after", "1"]), line_timeout=10.0) as client:
        client.name()
        with pytest.raises(TransportClosed, match="exited with status 3"):
            client.infer(1, 0)


def test_a_missing_binary_is_a_clear_error():
    with pytest.raises(TransportError, match="cannot start"):
        ProcessTransport(["/nonexistent/firmware"]).open()


def test_closing_stops_the_process():
    transport = ProcessTransport(FAKE).open()
    proc = transport.process
    transport.close()
    assert proc.poll() is not None
