"""Transfer and inference overlap: double-buffered receive (tv-frames) on the emulated
Cortex-M4F (the link modelled on the board, and QEMU's own UART through the receive
interrupt) and on the host board (a reader thread), against single buffering."""

from __future__ import annotations

import numpy as np
import pytest

from tinyvid.errors import UsageError
from tinyvid.video import GateConfig, stream
from tinyvid.video.link import BoardFrame, FramesRun, paced_write
from tinyvid.video.overlap import link_period_ticks, summarize


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def test_paced_write_sends_each_slice_when_the_link_has_carried_the_bytes_before():
    clock, writes = FakeClock(), []
    start, end = paced_write(lambda data: writes.append((clock.now, data)), bytes(range(250)), 1000.0,
                             slice_s=0.01, clock=clock, sleep=clock.sleep)
    assert b"".join(d for _, d in writes) == bytes(range(250))
    assert [len(d) for _, d in writes] == [10] * 25
    assert [round(t, 9) for t, _ in writes] == [round(k * 0.01, 9) for k in range(25)]
    assert (start, round(end, 9)) == (0.0, 0.25)  # the last slice's bytes take their time on the line too
    clock, writes = FakeClock(), []
    assert paced_write(writes.append, b"abc", None, clock=clock, sleep=clock.sleep) == (0.0, 0.0)
    assert writes == [b"abc"]


def test_the_modelled_link_period_is_a_byte_time_at_the_board_clock_in_timer_ticks():
    # 115200 baud 8N1: 86.8 us a byte = 2170 instructions at 25 MHz = 6944 ticks of 0.3125 instructions
    assert link_period_ticks(115_200, 25_000_000, 0.3125) == 6944
    assert link_period_ticks(921_600, 25_000_000, 0.3125) == 868
    with pytest.raises(UsageError, match="baud"):
        link_period_ticks(0, 25_000_000, 0.3125)


def test_overlap_is_refused_up_front_on_an_emulated_board_without_a_modelled_link():
    from tinyvid.boards import load_board
    from tinyvid.video.run import _check_overlap

    _check_overlap(load_board("qemu-mps2-an386"))
    _check_overlap(load_board("host"))
    with pytest.raises(UsageError, match="no modelled link") as err:
        _check_overlap(load_board("qemu-mps2-an505"))
    assert "qemu-mps2-an386" in err.value.hint


def _run(buffers: int, times: list[tuple[int, int, int, int]]) -> FramesRun:
    frames = [BoardFrame(seq=i, status="ok", infer=True, raw=bytes([i]),
                         times=dict(zip(("first", "last", "start", "end"), t))) for i, t in enumerate(times)]
    return FramesRun(buffers, None, frames, [], [])


def test_summarize_takes_transfer_inference_and_throughput_from_the_board_times():
    # transfer 100 ticks, inference 60: single buffering takes turns (160 a frame),
    # double buffering is bound by the transfer (100 a frame)
    single = summarize(_run(1, [(0, 100, 100, 160), (160, 260, 260, 320), (320, 420, 420, 480)]), 1e-3,
                       [bytes([0]), bytes([1]), bytes([9])])
    assert (single["transfer_ms"], single["inference_ms"], single["period_ms"]) == (100.0, 60.0, 160.0)
    assert single["fps"] == pytest.approx(6.25) and single["fps_bound"] == pytest.approx(10.0)
    assert single["ratio"] == pytest.approx(0.625) and single["overlapped_frames"] == 0
    assert (single["bit_exact_frames"], single["frames_inferred"]) == (2, 3)
    double = summarize(_run(2, [(0, 100, 100, 160), (100, 200, 200, 260), (200, 300, 300, 360)]), 1e-3)
    assert double["period_ms"] == 100.0 and double["ratio"] == pytest.approx(1.0)
    assert double["overlapped_frames"] == 2 and double["frames_in_order"]
    with pytest.raises(UsageError, match="at least 2 frames"):
        summarize(_run(2, [(0, 100, 100, 160)]), 1e-3)


@pytest.mark.emulated
def test_double_buffering_on_the_emulated_board_reaches_the_bound(vww_qemu):
    # 921600 baud: a 96x96x3 frame takes 300 ms on the line, about what vww takes to run
    r = stream("synthetic", project=vww_qemu, max_frames=3, gate=GateConfig(on=False), overlap=True,
               baud=921_600, overlap_frames=3).report
    o = r["overlap"]
    single, double = o["single"], o["double"]
    for m in (single, double):
        assert m["frames_in_order"] and m["bit_exact_frames"] == m["frames_inferred"] == 3
        assert m["transfer_ms"] == pytest.approx(27_663 * 10 / 921_600 * 1e3, rel=1e-3)  # first to last byte
    assert single["overlapped_frames"] == 0 and double["overlapped_frames"] == 2
    assert single["period_ms"] == pytest.approx(single["transfer_ms"] + single["inference_ms"], rel=0.02)
    assert double["ratio"] >= 0.95
    assert o["speedup"] >= 1.4
    assert r["frames_lost"] == r["frames_duplicated"] == 0
    # one interrupt a byte lengthens the inference; a receive FIFO of 8 bytes much less
    fifo = stream("synthetic", project=vww_qemu, max_frames=3, gate=GateConfig(on=False), overlap=True,
                  baud=921_600, overlap_frames=3, link_fifo=8).report["overlap"]
    assert fifo["bytes_per_interrupt"] == 8 and fifo["double"]["bit_exact_frames"] == 3
    per_byte, per_fifo = (m["inference_ms"] - single["inference_ms"] for m in (double, fifo["double"]))
    assert per_byte > 3 * per_fifo > 0
    assert fifo["double"]["ratio_to_single_inference"] >= 0.95


@pytest.fixture(scope="module")
def resnet8_qemu(tmp_path_factory, resnet8_model):
    """resnet8 (32x32x3: 3 KB frames, quick over QEMU's slow UART) for the emulated Cortex-M4F."""
    import shutil

    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    out = tmp_path_factory.mktemp("resnet8-an386")
    generate_project(resnet8_model, board="qemu-mps2-an386", out_dir=out)
    build_project(out)
    return out


@pytest.mark.emulated
def test_double_buffered_frames_through_the_uart_receive_interrupt_are_in_order_and_bit_exact(resnet8_qemu):
    """QEMU's own UART (no baud timing): the frames arrive through the receive
    interrupt, in order, and the board's outputs are the host's. When frame 1 arrives
    against frame 0's run depends on the host's scheduling against QEMU's instruction
    clock, so the overlap itself is measured on the modelled link (above), not here."""
    from tinyvid.harness.session import input_format, open_board
    from tinyvid.harness.validate import host_reference
    from tinyvid.video.gate import SmoothConfig
    from tinyvid.video.link import StreamLink

    payloads = [np.random.default_rng(i).integers(0, 256, 32 * 32 * 3, dtype=np.uint8).tobytes() for i in range(3)]
    with open_board(project=resnet8_qemu, infer_timeout=60) as session:
        info = session.client.tv_info()
        fmt, _ = input_format(session, session.model)
        reference, _ = host_reference(info, session.model, fmt, manifest=session.manifest, required=True)
        link = StreamLink(session.client)
        link.setup(GateConfig(on=False), SmoothConfig())
        run = link.send_run(payloads, buffers=2, rate=None)
    assert [(f.seq, f.status) for f in run.frames] == [(0, "ok"), (1, "ok"), (2, "ok")]
    assert [f.raw for f in run.frames] == [reference(p) for p in payloads]
    t = [f.times for f in run.frames]
    assert all(f["first"] <= f["last"] <= f["start"] < f["end"] for f in t), t  # each received, then run


@pytest.mark.emulated
def test_the_host_board_reader_thread_double_buffers_like_single_buffering(resnet8_host):
    from tinyvid.harness.session import open_board
    from tinyvid.video.gate import SmoothConfig
    from tinyvid.video.link import StreamLink

    payloads = [np.random.default_rng(i).integers(0, 256, 32 * 32 * 3, dtype=np.uint8).tobytes() for i in range(4)]
    with open_board(project=resnet8_host) as session:
        link = StreamLink(session.client)
        outputs = {}
        for buffers in (1, 2):
            link.setup(GateConfig(on=False), SmoothConfig())
            run = link.send_run(payloads, buffers=buffers, rate=200_000)
            assert [(f.seq, f.status) for f in run.frames] == [(i, "ok") for i in range(4)]
            outputs[buffers] = [f.raw for f in run.frames]
        assert outputs[1] == outputs[2] and len(set(outputs[1])) > 1
        # bad runs are refused with what the command takes
        for words in ("tv-frames 0 2", "tv-frames 3 3", "tv-frames 3"):
            reply = session.client.command(*words.split())
            assert reply.errors and "tv-frames takes a frame count" in reply.errors[0]
        reply = session.client.command("tv-frames", "2", "2", "868")
        assert reply.errors and "a modelled link is for emulated boards" in reply.errors[0]


def test_a_firmware_with_one_frame_buffer_saves_an_input_of_ram_and_refuses_double_buffering(tmp_path, resnet8_model):
    """--stream-buffers 1 leaves the second frame buffer out (the input's 3,072 bytes of .bss);
    such a firmware answers tv-frames N 2 with an error, and stream --overlap is refused up front."""
    from tinyvid.boards import load_board
    from tinyvid.build import build_project
    from tinyvid.harness.session import open_board
    from tinyvid.project import generate_project
    from tinyvid.video.run import _check_overlap

    built = {}
    for buffers in (1, 2):
        project = generate_project(resnet8_model, "host", tmp_path / f"b{buffers}", stream_buffers=buffers)
        assert project.manifest["stream_buffers"] == buffers
        built[buffers] = build_project(project.path)
    assert built[2].sections[".bss"] - built[1].sections[".bss"] >= 3072 - 1
    assert generate_project(resnet8_model, "host", tmp_path / "auto").manifest["stream_buffers"] == 2
    with pytest.raises(UsageError, match="--stream-buffers 1 or 2|1 or 2 frame buffers"):
        generate_project(resnet8_model, "host", tmp_path / "bad", stream_buffers=3)
    with open_board(project=tmp_path / "b1") as session:
        session.client.name()
        reply = session.client.command("tv-frames", 1, 2)
        assert any("one frame buffer" in line for line in reply.lines), reply.lines
        with pytest.raises(UsageError, match="one frame buffer") as err:
            _check_overlap(load_board("host"), session.manifest)
        assert "--stream-buffers 2" in err.value.hint
