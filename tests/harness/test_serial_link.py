"""pyserial links: loop://, socket:// to a fake board served from a thread, errors."""

import socket

import pytest

from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeDutServer
from tinyvid.harness.serial_link import SerialTransport, find_board_port


def test_loop_url_echoes_lines():
    with SerialTransport("loop://") as t:
        t.write(b"m-lap-us-42\r\nm-ready\r\n")
        assert t.read_line(1.0) == b"m-lap-us-42"
        assert t.read_line(1.0) == b"m-ready"


def test_loop_url_times_out_quickly_when_nothing_comes():
    with SerialTransport("loop://") as t:
        with pytest.raises(TransportTimeout):
            t.read_line(0.05)


def test_socket_url_talks_to_a_fake_board_with_nodelay_set():
    dut = FakeDut()
    with FakeDutServer(dut) as server, DutClient(SerialTransport(server.url), line_timeout=2.0) as client:
        sock = client.transport._serial._socket
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert client.name() == "tinyvid-fake"
        data = bytes(range(16))
        client.tv_load(data)
        assert client.tv_infer()[1] == dut.reference(data)
        assert client.infer(3, 1).latency_us == dut.us_per_inference


def test_a_reconnect_finds_the_board_state_kept():
    dut = FakeDut()
    with FakeDutServer(dut) as server:
        with DutClient(SerialTransport(server.url)) as client:
            client.tv_load(bytes(range(16)))
            client.tv_infer()
            first = client.tv_output()
        with DutClient(SerialTransport(server.url)) as client:
            assert client.tv_output() == first
        assert server.connections == 2


def test_a_board_that_closes_the_socket_raises_closed_not_a_hang():
    dut = FakeDut(faults={1: "die"})
    with FakeDutServer(dut) as server, DutClient(SerialTransport(server.url), line_timeout=3.0) as client:
        client.name()
        with pytest.raises(TransportClosed, match="closed"):
            client.infer(1, 0)


def test_a_missing_tty_says_so_and_lists_ports():
    with pytest.raises(TransportError) as err:
        SerialTransport("/dev/ttyNOPE-tinyvid").open()
    assert "/dev/ttyNOPE-tinyvid" in err.value.message
    assert "ports on this machine" in err.value.hint


def test_a_refused_socket_hints_at_the_emulated_board():
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    with pytest.raises(TransportError) as err:
        SerialTransport(f"socket://127.0.0.1:{port}").open()
    assert "emulated board" in err.value.hint


def test_no_board_with_the_usb_id_is_a_clear_error():
    with pytest.raises(TransportError, match="no serial port with USB id 0483:374b") as err:
        find_board_port(0x0483, 0x374B, board_name="nucleo-f446re")
    assert "cable" in err.value.hint
