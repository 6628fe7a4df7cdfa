"""The DUT client against a fake board: every command, and every way a board fails."""

import numpy as np
import pytest

from tinyvid.errors import ProtocolError, TransportClosed, TransportTimeout
from tinyvid.harness.client import BoardReset, DutClient
from tinyvid.harness.fake import BOOT_LINES, FakeDut, FakeTransport


def client_for(dut, **kwargs):
    return DutClient(FakeTransport(dut), quiet=0.01, **kwargs).open()


def test_standard_commands_are_parsed():
    dut = FakeDut(name="dut-a", model_id="vww01", board="an386")
    c = client_for(dut)
    assert c.name() == "dut-a"
    assert c.profile() == ("ulp-mlperf", "vww01")
    assert c.model_id() == "vww01"
    first, second = c.timestamp(), c.timestamp()
    assert second > first


def test_db_load_sends_31_byte_chunks_and_the_board_holds_the_bytes():
    dut = FakeDut(input_shape=(1, 10, 10, 1))
    c = client_for(dut)
    data = bytes(range(100))
    c.db_load(data)
    written = bytes(c.transport.written)
    assert written.startswith(b"db load 100%db " + data[:31].hex().encode() + b"%")
    assert written.count(b"%db ") == 4  # 31 + 31 + 31 + 7 bytes
    assert c.db_print() == data


def test_infer_returns_laps_latency_and_results():
    dut = FakeDut(us_per_inference=250)
    c = client_for(dut)
    result = c.infer(8, 2)
    assert (result.iterations, result.warmup) == (8, 2)
    assert result.total_us == 8 * 250
    assert result.latency_us == 250
    assert len(result.results) == dut.output_bytes
    assert c.results() == result.results


def test_infer_waits_with_the_infer_timeout_and_other_commands_with_the_line_timeout():
    c = client_for(FakeDut(), line_timeout=1.5, infer_timeout=7.0)
    transport = c.transport
    c.name()
    assert max(transport.read_timeouts) <= 1.5
    transport.read_timeouts.clear()
    c.infer(1, 0)
    assert max(transport.read_timeouts) > 6.9


def test_tv_extensions_are_parsed():
    dut = FakeDut(input_shape=(1, 8, 8, 3), output_bytes=3, macs=1234, arena_bytes=999)
    c = client_for(dut)
    info = c.tv_info()
    assert info.input_shape == (1, 8, 8, 3)
    assert info.input_bytes == 192 and info.output_bytes == 3
    assert (info.macs, info.arena_bytes, info.timer) == (1234, 999, "systick")
    data = np.arange(192, dtype=np.uint8).tobytes()
    c.tv_load(data)
    ticks, output = c.tv_infer()
    assert ticks == dut.ticks_per_inference
    assert output == dut.reference(data)
    assert c.tv_output() == output
    c.infer(4, 0)
    perf = c.tv_perf()
    assert (perf.ticks, perf.iterations, perf.hz) == (4 * dut.ticks_per_inference, 4, dut.timer_hz)


def test_a_plain_eembc_board_works_through_the_standard_commands():
    dut = FakeDut(extensions=False)
    c = client_for(dut)
    assert c.tv_info() is None
    data = bytes(range(16))
    results = c.run_input(data)
    expected = (np.frombuffer(dut.reference(data), np.int8).astype(int) + 128) / 256
    assert results == pytest.approx(expected, abs=5e-4)
    assert b"tv-load" not in bytes(c.transport.written)


def test_an_error_reply_raises_with_the_board_message():
    c = client_for(FakeDut())
    with pytest.raises(ProtocolError, match="Inference iterations must be >0"):
        c.call("infer", 0, 0, expect="infer-done")


def test_a_load_larger_than_the_input_buffer_is_refused():
    c = client_for(FakeDut())
    with pytest.raises(ProtocolError, match="exceed the input buffer"):
        c.tv_load(bytes(17))


def test_a_silent_board_times_out_with_a_clear_message_and_no_hang():
    c = client_for(FakeDut(faults={1: "hang"}))
    c.name()
    with pytest.raises(TransportTimeout) as err:
        c.infer(5, 1)
    message = str(err.value)
    assert "stopped answering 'infer 5 1%'" in message
    assert "> infer 5 1%" in message  # says what was sent last
    assert err.value.hint


def test_garbage_before_a_reply_is_tolerated():
    c = client_for(FakeDut(faults={0: "garbage"}))
    assert c.name() == "tinyvid-fake"


def test_an_out_of_step_reply_is_resynchronised_and_an_idempotent_command_retried():
    dut = FakeDut(faults={1: "stale"})
    c = client_for(dut)
    c.name()
    assert c.profile() == ("ulp-mlperf", "tv01")
    # stale m-ready, then resync (name%), then the retried profile%
    assert bytes(c.transport.written).endswith(b"profile%name%profile%")


def test_an_out_of_step_infer_is_not_retried_but_reported_with_the_lines():
    c = client_for(FakeDut(faults={0: "stale"}))
    with pytest.raises(ProtocolError, match="out of step") as err:
        c.infer(1, 0)
    assert "m-ready" in str(err.value)
    assert c.name() == "tinyvid-fake"  # the link is usable again


def test_a_board_reset_mid_run_is_detected_and_the_link_resynchronised():
    dut = FakeDut(faults={1: "reset"})
    c = client_for(dut)
    c.tv_load(bytes(16))
    with pytest.raises(BoardReset, match="reset while answering 'infer 3 0%'"):
        c.infer(3, 0)
    assert c.resets_seen == 1
    assert c.name() == "tinyvid-fake"


def test_unsolicited_boot_lines_mid_session_are_read_as_a_reset():
    dut = FakeDut()
    transport = FakeTransport(dut)
    c = DutClient(transport, quiet=0.01).open()
    c.name()
    transport.push(BOOT_LINES)
    with pytest.raises(BoardReset):
        c.profile()
    assert c.name() == "tinyvid-fake"


def test_boot_lines_of_a_freshly_started_board_are_skipped():
    transport = FakeTransport(FakeDut(), boot=BOOT_LINES)
    with DutClient(transport, quiet=0.01) as c:
        assert c.name() == "tinyvid-fake"
        assert c.resets_seen == 0


def test_a_board_that_dies_raises_closed_with_the_last_exchange():
    c = client_for(FakeDut(faults={1: "die"}))
    c.name()
    with pytest.raises(TransportClosed) as err:
        c.infer(1, 0)
    assert "infer 1 0%" in str(err.value)


def test_resync_gives_up_with_a_clear_error_on_a_board_that_never_answers():
    c = client_for(FakeDut(faults={0: "hang"}))
    with pytest.raises(ProtocolError, match="cannot get back in step"):
        c.resync(attempts=2)


def test_a_scripted_board_is_driven_exactly():
    transport = FakeTransport(script=[
        (b"name%", b"m-name-dut-[scripted]\r\nm-ready\r\n"),
        (b"infer 2 1%", b"m-warmup-start-1\r\nm-warmup-done\r\nm-infer-start-2\r\nm-lap-us-100\r\n"
                        b"m-lap-us-300\r\nm-infer-done\r\nm-results-[0.250,0.750]\r\nm-ready\r\n"),
    ])
    with DutClient(transport) as c:
        assert c.name() == "scripted"
        result = c.infer(2, 1)
    assert result.latency_us == 100
    assert result.results == (0.25, 0.75)
    assert not transport.script


def test_a_board_printing_endless_garbage_is_stopped_with_a_baud_rate_hint():
    transport = FakeTransport(lambda data: b"\xfe\x13garbled\r\n" * 200)
    with DutClient(transport) as c:
        with pytest.raises(ProtocolError, match="not in the protocol") as err:
            c.command("name")
    assert "baud rate" in err.value.hint


@pytest.mark.parametrize("words, message", [
    (("db",), "Command 'db' requires a subcommand"),
    (("db", "load"), "Command 'db load' requires the # of bytes"),
    (("db", "load", "0"), "Command 'db load' must be >0 bytes"),
    (("db", "load", "99"), "Command 'db load' of 99 bytes exceeds the input buffer of 16 bytes"),
    (("db", "0a"), "Command 'db' needs a 'db load <N>' first"),
    (("results",), "No inference has run"),
    (("tv-load", "x"), "tv-load must be >0 bytes"),
    (("frobnicate",), "Unknown command: frobnicate"),
])
def test_the_fake_board_refuses_like_the_firmware_and_the_client_reports_it(words, message):
    c = client_for(FakeDut())
    with pytest.raises(ProtocolError) as err:
        c.call(*words, expect="load-done")
    assert f"refused '{' '.join(words)}%': {message}" in str(err.value)


def test_a_board_that_resets_while_taking_raw_input_is_reported_as_a_reset():
    dut = FakeDut()
    transport = FakeTransport(dut)
    c = DutClient(transport, quiet=0.01).open()
    c.name()
    real_feed = dut.feed

    def feed(data):
        if data == bytes(16):  # the raw input: the board resets instead of taking it
            dut.reset_state()
            return BOOT_LINES
        return real_feed(data)

    transport.board = feed
    with pytest.raises(BoardReset, match="tv-load 16%"):
        c.tv_load(bytes(16))
