"""Transfer and inference overlap, measured: the same frames streamed through the
board single-buffered (receive, run, then ask for the next) and double-buffered
(the next frame arrives in a second buffer while the current one runs), each
frame's arrival and processing timed by the board itself (``tv-frames``), and the
throughput set against its bound ``1 / max(transfer time, inference time)``.

The link: a real board's UART, or the host board's pipe paced by the host at the
board file's baud rate. QEMU's UART has no baud timing (bytes move as fast as QEMU
takes them, and its clock counts instructions), so on an emulated board the link is
modelled on the board: the frames are in a file the board reads (semihosting) and
a timer interrupt hands the receive path one byte every ``10 / baud`` seconds of
the board's time (its clock at one instruction a cycle), where the UART's receive
interrupt would, starting a frame when the board asks for it. The double-buffering
code and the receive path are the same in every case; an emulated run is exactly
reproducible.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from tinyvid.errors import UsageError
from tinyvid.video.link import HEADER, FramesRun, StreamLink, write_frame_file

#: ``tv-frames`` buffers -> the report's name of the mode
MODES = {1: "single", 2: "double"}
#: bits a byte takes on a UART line (8N1: start, 8 data, stop)
BITS_PER_BYTE = 10
DEFAULT_FRAMES = 6


def link_period_ticks(baud: float, clock_hz: float, instructions_per_tick: float) -> int:
    """Timer ticks of an emulated board between two bytes of a UART at ``baud``: a
    byte takes ``10 / baud`` seconds of the board's time, i.e. that many
    instructions at ``clock_hz`` (one a cycle), each ``1 / instructions_per_tick``
    ticks under QEMU's -icount."""
    if baud <= 0 or clock_hz <= 0 or instructions_per_tick <= 0:
        raise UsageError(f"cannot model a link of {baud:g} baud on a board of {clock_hz:g} Hz",
                         "give a positive --baud")
    return max(2, round(BITS_PER_BYTE / baud * clock_hz / instructions_per_tick))


def seconds_per_tick(info, board) -> tuple[float, str]:
    """Seconds of the board's time per timer tick, and how they are counted."""
    from tinyvid.harness.bench import work_unit_for

    per_tick = board.timer.instructions_per_tick if board is not None else None
    unit, factor = work_unit_for(info.timer, per_tick)
    clock = float(board.clock_hz) if board is not None and board.clock_hz else 0.0
    if unit == "instructions" and clock:
        return factor / clock, f"instructions at {clock / 1e6:g} MHz, one a cycle"
    if unit == "cycles" and clock:
        return 1.0 / clock, f"cycles at {clock / 1e6:g} MHz"
    hz = float(info.timer_hz) or 1.0
    return 1.0 / hz, f"the board's timer at {hz:g} Hz"


def summarize(run: FramesRun, spt: float, host_out: list[bytes] | None = None) -> dict:
    """One mode's figures from the board's own times: transfer (first to last byte
    of a frame), inference (its processing: copy, CRC, gate, conversion, model,
    smoothing), throughput from the ends of consecutive frames (so the first
    frame's wait is not counted), the bound and the ratio."""
    frames = run.frames
    n = len(frames)
    seqs = [f.seq for f in frames]
    times = [f.times for f in frames]
    if n < 2 or any(t is None for t in times):
        raise UsageError("an overlap measurement needs at least 2 frames timed by the board",
                         "stream more frames (--overlap-frames)")
    transfer = float(np.mean([t["last"] - t["first"] for t in times])) * spt
    # the frames whose ends make the intervals below
    inference = float(np.mean([t["end"] - t["start"] for t in times[1:]])) * spt
    period = (times[-1]["end"] - times[0]["end"]) / (n - 1) * spt
    fps = 1.0 / period if period > 0 else None
    bound = 1.0 / max(transfer, inference) if max(transfer, inference) > 0 else None
    out = {
        "buffers": run.buffers,
        "frames": n,
        "transfer_ms": transfer * 1e3,
        "inference_ms": inference * 1e3,
        "period_ms": period * 1e3,
        "fps": fps,
        "fps_bound": bound,
        "ratio": fps / bound if fps and bound else None,
        "frames_in_order": seqs == list(range(n)) and all(f.status == "ok" for f in frames),
        "overlapped_frames": sum(1 for a, b in zip(times, times[1:]) if b["first"] < a["end"]),
    }
    if len(run.record_s) >= 2 and run.record_s[-1] > run.record_s[0]:
        out["fps_host_clock"] = (len(run.record_s) - 1) / (run.record_s[-1] - run.record_s[0])
    if host_out is not None:
        out["bit_exact_frames"] = sum(1 for f in frames if f.infer and 0 <= f.seq < len(host_out)
                                      and f.raw == host_out[f.seq])
        out["frames_inferred"] = sum(1 for f in frames if f.infer)
    return out


def measure_overlap(link: StreamLink, payloads: list[bytes], *, info, board, baud: float | None = None,
                    modes: tuple[int, ...] = (1, 2), host_out: list[bytes] | None = None,
                    emulated: bool = False, paced: bool = False, fifo: int = 1) -> dict:
    """Streams ``payloads`` once per mode in ``modes`` (1 single-, 2 double-buffered)
    with the gate off and no smoothing, and reports each mode (:func:`summarize`)
    and the speed-up of double over single buffering.

    ``emulated``: the board runs under QEMU (the modelled link, see the module);
    else over the serial link, ``paced`` at ``baud`` by the host (the host board's
    pipe) or left to the board's UART. ``fifo``: bytes the modelled link hands over
    an interrupt (1: one interrupt a byte, as the CMSDK and STM32F4 UARTs; more, a
    receive FIFO's threshold)."""
    from tinyvid.video.gate import GateConfig, SmoothConfig

    if len(payloads) < 2:
        raise UsageError("an overlap measurement needs at least 2 frames", "stream more frames")
    baud = float(baud or (board.serial.baud if board is not None else 0) or 0)
    spt, basis = seconds_per_tick(info, board)
    frame_bytes = len(payloads[0]) + HEADER.size
    report: dict = {"frames": len(payloads), "frame_bytes": frame_bytes, "baud": baud or None,
                    "time_basis": basis}
    with tempfile.TemporaryDirectory(prefix="tv") as tmp:
        path = None
        if emulated:
            if board is None or not board.timer.instructions_per_tick:
                raise UsageError("the modelled link needs the emulated board's file (its clock and ticks)",
                                 "stream with --project DIR")
            period = link_period_ticks(baud, board.clock_hz, board.timer.instructions_per_tick)
            what = "one byte" if fifo == 1 else f"{fifo} bytes (a receive FIFO)"
            report["link"] = (f"modelled on the board: {baud:g} baud, 8N1 (a timer interrupt hands over {what} "
                              f"every {period * fifo} ticks; QEMU's UART has no baud timing)")
            report["bytes_per_interrupt"] = fifo
            path = write_frame_file(Path(tmp) / "frames.bin", payloads)
        else:
            period = 0
            report["link"] = (f"serial link paced by the host at {baud:g} baud, 8N1" if paced
                              else "the board's serial link")
        for buffers in modes:
            link.setup(GateConfig(on=False), SmoothConfig())
            if emulated:
                link.open_file(path)
                frame_s = frame_bytes * period * spt * 50 + 5.0  # guest time runs slower than the host's
                run = link.modelled_run(len(payloads), buffers=buffers, period_ticks=period, frame_s=frame_s,
                                        burst=fifo)
            else:
                rate = baud / BITS_PER_BYTE if paced and baud else None
                run = link.send_run(payloads, buffers=buffers, rate=rate)
            report[MODES[buffers]] = summarize(run, spt, host_out)
    single, double = report.get("single"), report.get("double")
    if single and double and single["fps"] and double["fps"]:
        report["speedup"] = double["fps"] / single["fps"]
        # the stricter bound: inference as long as without the receive interrupts of double buffering
        strict = 1e3 / max(double["transfer_ms"], single["inference_ms"])
        double["ratio_to_single_inference"] = double["fps"] / strict
    return report


def overlap_lines(o: dict) -> list[str]:
    """The overlap section of the stream report, as text."""
    pad = " " * 17
    lines = [f"  overlap        {o['frames']} frames of {o['frame_bytes']:,} bytes; {o['link']}",
             f"{pad}times on the board's clock ({o['time_basis']})",
             f"{pad}mode    transfer ms  inference ms  frames/s  bound 1/max  ratio"]
    for name in MODES.values():
        m = o.get(name)
        if m is None:
            continue
        lines.append(f"{pad}{name:<7} {m['transfer_ms']:>11.1f}  {m['inference_ms']:>12.1f}  "
                     f"{m['fps']:>8.3f}  {m['fps_bound']:>11.3f}  {m['ratio']:>5.3f}")
    if "speedup" in o:
        d = o["double"]
        lines.append(f"{pad}double buffering: {o['speedup']:.2f}x the frames per second of single buffering; "
                     f"inference {d['inference_ms'] - o['single']['inference_ms']:+.1f} ms with the next frame "
                     f"arriving (ratio {d['ratio_to_single_inference']:.3f} to the bound with the single-buffered "
                     "inference)")
    return lines


__all__ = ["MODES", "link_period_ticks", "measure_overlap", "overlap_lines", "seconds_per_tick", "summarize"]
