"""pyserial links: loop://, socket:// to a fake board served from a thread, errors."""

import socket

import pytest

from tinyvid.errors import TransportClosed, TransportError, TransportTimeout
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeDutServer
from tinyvid.boards import load_board
from tinyvid.build.ports import find_board_port
from tinyvid.harness.serial_link import SerialTransport


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


def test_no_board_with_the_usb_id_is_a_clear_error(monkeypatch):
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [_Port("/dev/ttyS0", None, None)])
    with pytest.raises(TransportError, match=r"no serial port with a USB id of nucleo-f446re \(0483:374b, ") as err:
        find_board_port(load_board("nucleo-f446re"))
    assert "cable" in err.value.hint


class _Port:
    def __init__(self, device, vid, pid):
        self.device, self.vid, self.pid, self.description = device, vid, pid, "fake"


def test_a_board_port_is_found_by_its_usb_id(monkeypatch):
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [_Port("/dev/ttyS0", None, None),
                                                         _Port("/dev/ttyACM3", 0x0483, 0x374B)])
    assert find_board_port(load_board("nucleo-f446re")) == "/dev/ttyACM3"
    from tinyvid.harness.session import open_transport

    transport = open_transport("auto", board=load_board("nucleo-f446re"))
    assert transport.url == "/dev/ttyACM3" and transport.baudrate == 115200


def test_two_boards_with_the_same_usb_id_ask_for_a_port(monkeypatch):
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [_Port("/dev/ttyACM0", 0x0483, 0x374B),
                                                         _Port("/dev/ttyACM1", 0x0483, 0x374B)])
    with pytest.raises(TransportError, match="2 attached ports have a USB id of nucleo-f446re") as err:
        find_board_port(load_board("nucleo-f446re"))
    assert "--port" in err.value.hint


class _Rfc2217Board:
    """A fake board behind an RFC 2217 (telnet COM port) server, as ser2net serves
    a board attached to another machine."""

    def __init__(self, dut):
        import threading

        self.dut = dut
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.url = f"rfc2217://127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import serial
        from serial.rfc2217 import PortManager

        try:
            conn, _ = self.server.accept()
        except OSError:
            return

        class Link:
            def write(self, data):
                conn.sendall(data)

        settings = serial.serial_for_url("loop://")
        manager = PortManager(settings, Link())
        with conn:
            conn.settimeout(5)
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                reply = self.dut.feed(b"".join(manager.filter(data)))
                if reply:
                    conn.sendall(b"".join(manager.escape(reply)))
        settings.close()

    def close(self):
        self.server.close()
        self.thread.join(timeout=5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyserial's own rfc2217 thread set-up
def test_rfc2217_url_reaches_a_board_behind_a_telnet_com_port_server():
    dut = FakeDut()
    board = _Rfc2217Board(dut)
    try:
        with DutClient(SerialTransport(board.url), line_timeout=3.0) as client:
            assert client.name() == "tinyvid-fake"
            data = bytes(range(16))
            client.tv_load(data)
            assert client.tv_infer()[1] == dut.reference(data)
    finally:
        board.close()


def test_a_port_without_permission_hints_at_the_dialout_group(monkeypatch):
    import errno

    import serial

    original = serial.serial_for_url

    def refuse(url, **kwargs):
        port = original("loop://", do_not_open=True)

        def deny():
            raise serial.SerialException(errno.EACCES, f"could not open port {url}: Permission denied")

        port.open = deny
        return port

    monkeypatch.setattr(serial, "serial_for_url", refuse)
    with pytest.raises(TransportError, match="permission denied opening /dev/ttyACM0") as err:
        SerialTransport("/dev/ttyACM0").open()
    assert "dialout" in err.value.hint
