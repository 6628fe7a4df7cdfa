"""A recorded session plays back in place of the board."""

import pytest

from tinyvid.errors import TransportTimeout
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.harness.recording import RecordingTransport, ReplayMismatch, ReplayTransport, load_session


def record(path, dut):
    with DutClient(RecordingTransport(FakeTransport(dut), path)) as client:
        name = client.name()
        client.tv_load(bytes(range(16)))
        output = client.tv_infer()[1]
        laps = client.infer(3, 1)
    return name, output, laps


def test_a_session_is_logged_with_times_directions_and_hex(tmp_path):
    log = tmp_path / "session.log"
    record(log, FakeDut())
    text = log.read_text()
    assert text.startswith("# tinyvid serial session")
    assert "> 6e616d6525" in text and "|name%|" in text  # "name%" in hex and printable
    events = load_session(log)
    assert events[0] == (">", b"name%")
    assert (">", bytes(range(16))) in events


def test_a_replayed_session_gives_the_same_results(tmp_path):
    log = tmp_path / "session.log"
    recorded = record(log, FakeDut())
    replay = ReplayTransport(log)
    with DutClient(replay) as client:
        replayed = (client.name(), (client.tv_load(bytes(range(16))), client.tv_infer()[1])[1],
                    client.infer(3, 1))
    assert replayed == recorded
    assert replay.finished


def test_replay_rejects_a_different_command(tmp_path):
    log = tmp_path / "session.log"
    record(log, FakeDut())
    with DutClient(ReplayTransport(log)) as client:
        with pytest.raises(ReplayMismatch, match="profile"):
            client.profile()


def test_a_recorded_silence_times_out_again(tmp_path):
    log = tmp_path / "silent.log"
    with DutClient(RecordingTransport(FakeTransport(FakeDut(faults={1: "hang"})), log)) as client:
        client.name()
        with pytest.raises(TransportTimeout):
            client.timestamp()
    with DutClient(ReplayTransport(log)) as client:
        assert client.name() == "tinyvid-fake"
        with pytest.raises(TransportTimeout, match="stopped answering 'timestamp%'"):
            client.timestamp()


def test_a_session_recorded_on_the_emulated_cortex_m4_replays_through_bench():
    """Recorded with `tinyvid bench --project <resnet8 on qemu-mps2-an386> --windows 2
    --iterations 1 --log-session ...`: the real firmware's bytes, no board needed."""
    from pathlib import Path

    from tinyvid.boards import load_board
    from tinyvid.harness.bench import bench

    log = Path(__file__).parent / "data" / "qemu-an386-resnet8-bench.log"
    replay = ReplayTransport(log)
    with DutClient(replay) as client:
        result = bench(client, windows=2, iterations=1, board=load_board("qemu-mps2-an386"))
    assert result.model == "ic01" and result.macs == 12_501_632
    assert result.work_unit == "instructions"
    assert result.work.median == 104_609_860  # -icount: exact and identical in both windows
    assert result.latency_us.min == result.latency_us.max
    assert replay.finished
