"""Line assembly and timeouts of the transport base, through the scripted fake."""

import pytest

from tinyvid.errors import TransportClosed, TransportTimeout
from tinyvid.harness.fake import FakeScriptError, FakeTransport


def test_read_line_joins_chunks_and_strips_line_ends():
    t = FakeTransport(script=[], boot=b"m-na").open()
    t.push(b"me-dut-[x]\r\nm-ready\r\n")
    assert t.read_line(1.0) == b"m-name-dut-[x]"
    assert t.read_line(1.0) == b"m-ready"


def test_a_partial_line_times_out_with_what_arrived_and_stays_buffered():
    t = FakeTransport(script=[], boot=b"m-lap-us-12").open()
    with pytest.raises(TransportTimeout, match="partial line b'm-lap-us-12'"):
        t.read_line(0.5)
    t.push(b"34\r\n")
    assert t.read_line(0.5) == b"m-lap-us-1234"


def test_a_silent_link_times_out_instead_of_hanging():
    t = FakeTransport(script=[]).open()
    with pytest.raises(TransportTimeout, match="sent nothing"):
        t.read_line(0.01)
    assert t.read_timeouts == [pytest.approx(0.01, abs=1e-3)]


def test_read_exactly_collects_bytes_across_chunks():
    t = FakeTransport(script=[], boot=b"abcdef").open()
    assert t.read_exactly(4, 1.0) == b"abcd"
    assert t.read(10, 1.0) == b"ef"


def test_reading_a_closed_transport_raises_closed():
    t = FakeTransport(script=[])
    with pytest.raises(TransportClosed):
        t.read_line(1.0)


def test_the_script_checks_every_write():
    t = FakeTransport(script=[(b"name%", b"m-name-dut-[a]\r\nm-ready\r\n")]).open()
    with pytest.raises(FakeScriptError, match="expected b'name%'"):
        t.write(b"profile%")


def test_drain_returns_everything_pending():
    t = FakeTransport(script=[], boot=b"junk\r\nmore").open()
    assert t.drain(0.01) == b"junk\r\nmore"
    with pytest.raises(TransportTimeout):
        t.read(1, 0.01)
