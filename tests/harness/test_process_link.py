"""A board that is a local process speaking over stdin/stdout."""

import sys

import pytest

from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
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


def test_a_process_that_stops_reading_times_out_the_write_instead_of_hanging():
    transport = ProcessTransport([sys.executable, "-c", "import time; time.sleep(30)"], write_timeout=0.3)
    with transport:
        with pytest.raises(TransportTimeout, match="took no input for 0.3 s"):
            transport.write(bytes(1 << 20))
