"""The host side of the board's frame streaming commands (docs/protocol.md):
binary frames with a length, a CRC-32 and a sequence number, over the serial link
(``tv-frame`` one a command, ``tv-frames`` a run of them, single- or
double-buffered, paced at a link rate) or through a file the board reads itself
(``tv-file-frame``: semihosting on an emulated board, stdio on the host board),
never as hex.
"""

from __future__ import annotations

import queue
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from tinyvid.errors import ProjectError, ProtocolError, TransportTimeout
from tinyvid.harness import protocol as p
from tinyvid.harness.client import DutClient
from tinyvid.video.gate import GateConfig, SmoothConfig

MAGIC = b"TVF1"
HEADER = struct.Struct("<4sIII")  # magic, sequence number, payload bytes, CRC-32 of the payload


def pack_frame(seq: int, payload: bytes, *, crc: int | None = None) -> bytes:
    """One frame as the board takes it: the 16-byte header, then the payload."""
    return HEADER.pack(MAGIC, seq & 0xFFFFFFFF, len(payload), zlib.crc32(payload) if crc is None else crc) + payload


@dataclass
class BoardFrame:
    """What the board said about one frame (``m-tv-frame-[...]`` and its outputs)."""

    seq: int
    status: str                  # ok, corrupt, duplicate
    lost: int = 0                # frames the board saw missing before this one
    infer: bool = False
    reason: str = ""
    score: int = 0
    diff: int = 0
    ticks: dict | None = None    # rx, gate, pre, model, post (timer ticks)
    label: int = -1
    raw: bytes | None = None
    smooth: bytes | None = None
    detections: str | None = None  # a detector's m-tv-detections body (centroids of raw)
    host_s: float = 0.0          # host time from sending the frame to the end of its reply
    times: dict | None = None    # tv-frames: first, last (bytes arrived), start, end (processed), ticks


def _fields(text: str) -> dict[str, str]:
    try:
        return dict(item.split("=", 1) for item in text.split(","))
    except ValueError:
        raise ProtocolError(f"malformed frame record: {text!r}") from None


def parse_frames(records: list[p.Record]) -> list[BoardFrame]:
    """The frames in a reply, in order."""
    frames: list[BoardFrame] = []
    for record in records:
        if record.kind == p.TV_DETECTIONS and frames:
            frames[-1].detections = record.value
        if record.kind != p.TV_INFO:
            continue
        key, value = record.value
        if key == "frame":
            f = _fields(value)
            try:
                frame = BoardFrame(seq=int(f["seq"]), status=f["status"])
                if frame.status == "ok":
                    frame.lost, frame.infer = int(f["lost"]), f["infer"] == "1"
                    frame.reason, frame.score, frame.diff = f["reason"], int(f["score"]), int(f["diff"])
                    frame.ticks = {k: int(f[k]) for k in ("rx", "gate", "pre", "model", "post")}
                    frame.label = int(f["label"])
                    if "end" in f:
                        frame.times = {k: int(f[k]) for k in ("first", "last", "start", "end")}
                else:
                    frame.ticks = {"rx": int(f["rx"]), "gate": 0, "pre": 0, "model": 0, "post": 0}
            except (KeyError, ValueError):
                raise ProtocolError(f"malformed frame record: {record.line!r}") from None
            frames.append(frame)
        elif key in ("raw", "smooth") and frames:
            setattr(frames[-1], key, bytes.fromhex(value))
    return frames


class StreamLink:
    """Frame streaming over an open :class:`DutClient`."""

    def __init__(self, client: DutClient):
        self.client = client

    def _setting(self, *words) -> p.Reply:
        try:
            return self.client.call(*words, expect=p.TV_INFO, retry=False)
        except ProtocolError as exc:
            if "unknown command" in exc.message.lower():
                raise ProjectError(f"the firmware on {self.client.description} cannot stream frames "
                                   f"(it does not know '{words[0]}')",
                                   "regenerate and rebuild its project with this tinyvid: "
                                   "tinyvid project MODEL -o DIR, then tinyvid build DIR") from None
            raise

    def setup(self, gate: GateConfig, smooth: SmoothConfig, roi: bytes | None = None) -> None:
        """Configure the gate and the smoothing, then start a fresh stream."""
        self._setting("tv-gate-set", gate.command())
        if roi is not None:
            self._setting("tv-gate-roi", roi.hex())
        self._setting("tv-smooth-set", smooth.command())
        self._setting("tv-stream-reset")

    def stats(self) -> dict[str, int]:
        reply = self._setting("tv-stream-stats")
        for record in reply.records:
            if record.kind == p.TV_INFO and record.value[0] == "stream":
                return {k: int(v) for k, v in _fields(record.value[1]).items()}
        raise ProtocolError(f"{self.client.description} answered tv-stream-stats without its counters")

    # -- over the serial link ----------------------------------------------------
    def send(self, seq: int, payload: bytes, *, crc: int | None = None) -> list[BoardFrame]:
        """One frame over the serial link; the board's records of it (one, or none
        when the board reported an error, which raises)."""
        transport = self.client.transport
        timeout = self.client.infer_timeout
        start = time.monotonic()
        transport.write(b"tv-frame%")
        records = []
        while True:
            record = p.parse_line(transport.read_line(self.client.line_timeout))
            records.append(record)
            if record.kind == p.TV_INFO and record.value[0] == "frame-ready":
                break
            if record.kind in (p.ERROR, p.READY) or len(records) > 8:
                raise ProtocolError(f"{self.client.description} did not take a frame: "
                                    f"{' | '.join(r.line for r in records)}",
                                    "check that the firmware was generated by this tinyvid")
        transport.write(pack_frame(seq, payload, crc=crc))
        # The host-to-board direction of an emulated UART moves ~13 kB/s.
        line_timeout = timeout + len(payload) / 2000.0
        reply = []
        while True:
            try:
                record = p.parse_line(transport.read_line(line_timeout))
            except TransportTimeout as exc:
                raise TransportTimeout(f"{self.client.description} stopped answering frame {seq}: {exc.message}",
                                       hint="the board may be hung; reset it") from None
            reply.append(record)
            if record.kind == p.READY:
                break
        errors = [r.value for r in reply if r.kind == p.ERROR]
        frames = parse_frames(reply)
        if errors and not frames:
            raise ProtocolError(f"{self.client.description} refused frame {seq}: {errors[0]}")
        elapsed = time.monotonic() - start
        for f in frames:
            f.host_s = elapsed
        return frames

    def send_run(self, payloads: list[bytes], *, buffers: int, rate: float | None) -> FramesRun:
        """``tv-frames``: every payload over the serial link, each sent when the board
        asks for it (``m-tv-next-[i]``) and paced at ``rate`` bytes per second, as a
        UART at that rate carries it. ``buffers`` 1: the board asks for the next frame
        after running the current one; 2: as soon as the current one has left its
        receive buffer, so the next arrives while the current one runs."""
        wire_s = (len(payloads[0]) + HEADER.size) / rate if rate else 0.0
        return self._run(f"tv-frames {len(payloads)} {buffers}", len(payloads), buffers, payloads, rate, wire_s)

    def modelled_run(self, count: int, *, buffers: int, period_ticks: int, frame_s: float,
                     burst: int = 1) -> FramesRun:
        """``tv-frames`` through an emulated board's modelled link: the next ``count``
        frames of the open frame file (:meth:`open_file`), handed to the board's
        receive path one byte every ``period_ticks`` of its timer by a timer
        interrupt (``burst`` bytes every ``burst`` periods: a UART receive FIFO);
        ``frame_s``: a frame's time on that link, in host seconds at most (for the
        timeouts)."""
        spec = f"{period_ticks},{burst}" if burst != 1 else f"{period_ticks}"
        return self._run(f"tv-frames {count} {buffers} {spec}", count, buffers, None, None, frame_s)

    def _run(self, command: str, n: int, buffers: int, payloads: list[bytes] | None, rate: float | None,
             wire_s: float) -> FramesRun:
        transport = self.client.transport
        line_timeout = self.client.infer_timeout + 2 * wire_s + 5.0
        asked: queue.Queue = queue.Queue()
        sent: list[tuple[float, float]] = []
        failure: list[BaseException] = []

        def writer() -> None:
            try:
                while True:
                    seq = asked.get()
                    if seq is None:
                        return
                    if payloads is not None:
                        sent.append(paced_write(transport.write, pack_frame(seq, payloads[seq]), rate))
            except BaseException as exc:  # reported by the reading side
                failure.append(exc)

        transport.write(f"{command}%".encode())
        thread = threading.Thread(target=writer, name="tv-frames-writer", daemon=True)
        thread.start()
        records: list[p.Record] = []
        record_s: list[float] = []
        errors: list[str] = []
        try:
            while True:
                if failure:
                    raise failure[0]
                try:
                    record = p.parse_line(transport.read_line(line_timeout))
                except TransportTimeout as exc:
                    raise TransportTimeout(f"{self.client.description} stopped answering tv-frames after "
                                           f"{len(record_s)} of {n} frames: {exc.message}",
                                           hint="the board may be hung; reset it") from None
                if record.kind == p.READY:
                    break
                records.append(record)
                if record.kind == p.ERROR:
                    errors.append(str(record.value))
                elif record.kind == p.TV_INFO and record.value[0] == "next":
                    seq = int(record.value[1])
                    if not 0 <= seq < n:
                        raise ProtocolError(f"{self.client.description} asked for frame {seq} of {n}")
                    asked.put(seq)
                elif record.kind == p.TV_INFO and record.value[0] == "frame":
                    record_s.append(time.monotonic())
        finally:
            asked.put(None)
            thread.join(timeout=wire_s + 5.0)
        if errors:
            if any("unknown command" in e.lower() for e in errors):
                raise ProjectError(f"the firmware on {self.client.description} cannot stream runs of frames "
                                   "(it does not know 'tv-frames')",
                                   "regenerate and rebuild its project with this tinyvid: "
                                   "tinyvid project MODEL -o DIR, then tinyvid build DIR")
            raise ProtocolError(f"{self.client.description} failed on tv-frames: {errors[0]}")
        frames = parse_frames(records)
        if len(frames) != n or len(record_s) != n:
            raise ProtocolError(f"{self.client.description} reported {len(frames)} of the {n} frames of tv-frames")
        return FramesRun(buffers, rate, frames, sent, record_s)

    # -- through a file the board reads ------------------------------------------
    def open_file(self, path: Path) -> None:
        text = str(Path(path).resolve())
        if len("tv-file-open ") + len(text) > 80 or " " in text or not text.isascii():
            raise ProjectError(f"the frame file path {text} is too long for the board's 80-character commands",
                               "set TMPDIR to a short folder without spaces (e.g. /tmp)")
        self._setting("tv-file-open", text)

    def next_from_file(self) -> list[BoardFrame]:
        """The board reads, checks and runs the next frame of its file."""
        start = time.monotonic()
        reply = self.client.command("tv-file-frame", 1, timeout=self.client.infer_timeout)
        if reply.errors:
            raise ProtocolError(f"{self.client.description} failed on its frame file: {reply.errors[0]}")
        frames = parse_frames(reply.records)
        elapsed = time.monotonic() - start
        for f in frames:
            f.host_s = elapsed
        return frames


@dataclass
class FramesRun:
    """One ``tv-frames`` run: the board's records (with their ``times``) and, on the
    host's clock, when each frame was sent and when its record arrived."""

    buffers: int
    rate: float | None           # link bytes per second the host paced at (None: as fast as it takes)
    frames: list[BoardFrame]
    sent_s: list[tuple[float, float]]  # host time the frame's first and last byte was written
    record_s: list[float]              # host time its record arrived


def paced_write(write, data: bytes, rate: float | None, *, slice_s: float = 0.002,
                clock=time.monotonic, sleep=time.sleep) -> tuple[float, float]:
    """Writes ``data`` as a link of ``rate`` bytes per second would carry it: slices
    of ``slice_s`` worth of bytes, each when the link would have sent the ones
    before, and returns once the last byte is on its way (start and end, ``clock``).
    ``rate`` None writes at once."""
    start = clock()
    if not rate:
        write(data)
        return start, clock()
    step = max(1, int(rate * slice_s))
    for offset in range(0, len(data), step):
        delay = start + offset / rate - clock()
        if delay > 0:
            sleep(delay)
        write(data[offset:offset + step])
    delay = start + len(data) / rate - clock()
    if delay > 0:
        sleep(delay)
    return start, clock()


def write_frame_file(path: Path, payloads: list[bytes]) -> Path:
    """All frames into one file, each with its header, as tv-file-frame reads them."""
    with open(path, "wb") as fh:
        for seq, payload in enumerate(payloads):
            fh.write(pack_frame(seq, payload))
    return path


__all__ = ["BoardFrame", "FramesRun", "StreamLink", "pack_frame", "paced_write", "parse_frames", "write_frame_file"]
