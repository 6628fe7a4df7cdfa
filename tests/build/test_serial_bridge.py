"""The TCP bridge in front of boards that run here, against a fake board on a
socket pair: boot lines kept for the first client, reconnects, back-pressure
in both directions without losing a byte or the connection."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from tinyvid.build.bridge import SerialBridge, parse_refusal, socket_reader, socket_writer
from tinyvid.errors import BoardBusy


@pytest.fixture
def board():
    """(bridge, the board's end of the link)."""
    ours, theirs = socket.socketpair()
    stop = threading.Event()
    bridge = SerialBridge(socket_reader(ours), socket_writer(ours, stop), stopping=stop).start()
    yield bridge, theirs
    bridge.close()
    theirs.close()
    ours.close()


def _connect(bridge) -> socket.socket:
    client = socket.create_connection((bridge.host, bridge.port), timeout=10)
    return client


def _recv_exactly(sock: socket.socket, n: int, *, pause: float = 0.0) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(65536, n - len(data)))
        assert chunk, f"closed after {len(data)} of {n} bytes"
        data += chunk
        if pause:
            time.sleep(pause)
    return bytes(data)


def test_boot_lines_wait_for_the_first_client_and_later_output_without_one_is_dropped(board):
    bridge, far = board
    far.sendall(b"m-init-done\r\nm-ready\r\n")
    time.sleep(0.3)
    with _connect(bridge) as first:
        assert _recv_exactly(first, 22) == b"m-init-done\r\nm-ready\r\n"
    time.sleep(0.3)
    far.sendall(b"nobody hears this\r\n")
    time.sleep(0.3)
    with _connect(bridge) as second:
        time.sleep(0.2)
        far.sendall(b"m-ready\r\n")
        assert _recv_exactly(second, 9) == b"m-ready\r\n"


def test_a_reconnecting_client_reaches_the_same_board(board):
    bridge, far = board
    for text in (b"name%", b"profile%"):
        with _connect(bridge) as client:
            client.sendall(text)
            assert _recv_exactly(far, len(text)) == text


def test_a_burst_larger_than_the_socket_buffers_reaches_a_slow_board_intact(board):
    bridge, far = board
    payload = bytes(range(256)) * 16384  # 4 MB
    with _connect(bridge) as client:
        sender = threading.Thread(target=client.sendall, args=(payload,))
        sender.start()
        time.sleep(1.0)  # the board reads nothing for a while: every buffer fills
        assert _recv_exactly(far, len(payload)) == payload
        sender.join(timeout=30)
        client.sendall(b"still connected%")
        assert _recv_exactly(far, 16) == b"still connected%"


def test_a_slow_client_gets_all_of_a_large_reply(board):
    bridge, far = board
    payload = b"m-buffer-00-01-02-03-04-05-06-07\r\n" * 60000  # ~2 MB
    with _connect(bridge) as client:
        time.sleep(0.2)
        writer = threading.Thread(target=far.sendall, args=(payload,))
        writer.start()
        time.sleep(1.0)  # the client reads nothing for a while
        assert _recv_exactly(client, len(payload)) == payload
        writer.join(timeout=30)


def test_a_second_client_is_refused_with_the_holder_named_and_the_first_keeps_the_board(board):
    bridge, far = board
    first = _connect(bridge)
    time.sleep(0.2)
    holder = "%s:%d" % first.getsockname()
    with _connect(bridge) as second:
        second.sendall(b"name%")  # it talks at once: the refusal must still arrive, not a reset
        second.settimeout(5)
        refusal = b""
        while chunk := second.recv(1000):
            refusal += chunk
        assert refusal.endswith(b"\r\n") and parse_refusal(refusal.rstrip(b"\r\n"))[0] == holder
        assert f"held by {holder} since ".encode() in refusal
    first.sendall(b"profile%")  # the first client was not disturbed
    assert _recv_exactly(far, 8) == b"profile%"
    far.sendall(b"m-ready\r\n")
    first.settimeout(5)
    assert _recv_exactly(first, 9) == b"m-ready\r\n"
    first.close()
    with _connect(bridge) as third:  # once the holder has gone, the next client is served
        third.sendall(b"name%")
        assert _recv_exactly(far, 5) == b"name%"


def test_a_client_that_reconnects_at_once_is_not_refused(board):
    bridge, far = board
    for text in (b"one%", b"two%", b"three%"):
        client = _connect(bridge)
        client.sendall(text)
        assert _recv_exactly(far, len(text)) == text
        client.close()  # and the next connects right away, as the official runners do


def test_the_client_side_turns_a_refusal_into_a_board_busy_error(board):
    from tinyvid.harness.client import DutClient
    from tinyvid.harness.serial_link import SerialTransport

    bridge, _ = board
    with _connect(bridge) as first:
        time.sleep(0.2)
        with pytest.raises(BoardBusy) as err:
            with DutClient(SerialTransport(bridge.url)) as dut:
                dut.name()
        holder = "%s:%d" % first.getsockname()
        assert err.value.holder == holder and err.value.url == bridge.url
        assert f"{bridge.url} is in use: another client ({holder}) has held the board since" in err.value.message
        assert "tinyvid run" in err.value.hint


def test_bench_on_a_held_board_says_who_holds_it(board):
    from click.testing import CliRunner

    from tinyvid.cli import main

    bridge, _ = board
    with _connect(bridge) as first:
        time.sleep(0.2)
        holder = "%s:%d" % first.getsockname()
        result = CliRunner().invoke(main, ["bench", "--port", bridge.url, "--json"])
    assert result.exit_code == 2
    assert f"error: {bridge.url} is in use: another client ({holder})" in result.stderr
    assert json.loads(result.stdout)["error"]["type"] == "BoardBusy"


def test_the_client_is_closed_when_the_board_stops(board):
    bridge, far = board
    with _connect(bridge) as client:
        time.sleep(0.2)
        far.shutdown(socket.SHUT_RDWR)
        client.settimeout(5)
        assert client.recv(100) == b""
    assert bridge.board_ended.wait(5)
