"""The host side of the board's frame streaming commands (docs/protocol.md):
binary frames with a length, a CRC-32 and a sequence number, over the serial link
(``tv-frame``) or through a file the board reads itself (``tv-file-frame``:
semihosting on an emulated board, stdio on the host board), never as hex.
"""

from __future__ import annotations

import struct
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


def write_frame_file(path: Path, payloads: list[bytes]) -> Path:
    """All frames into one file, each with its header, as tv-file-frame reads them."""
    with open(path, "wb") as fh:
        for seq, payload in enumerate(payloads):
            fh.write(pack_frame(seq, payload))
    return path


__all__ = ["BoardFrame", "StreamLink", "pack_frame", "parse_frames", "write_frame_file"]
