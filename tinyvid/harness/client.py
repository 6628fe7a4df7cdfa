"""``DutClient``: talks to a board over any transport, in the DUT protocol.

Every read has a timeout (5 s a line, 30 s a line during ``infer`` by default).
A board that resets (boot lines mid-session) raises :class:`BoardReset` after the
link has been resynchronised; a board that answers out of step or prints garbage
is resynchronised (drain until quiet, ``name%``, check the answer) and idempotent
commands are retried once. Every error message ends with what the board last said.
A board without the ``tv-`` extensions (a plain EEMBC board) works through the
standard commands: :meth:`DutClient.load_input` falls back to ``db`` hex transfer.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from tinyvid.errors import BoardBusy, BoardReset, OutOfStep, ProtocolError, TransportClosed, TransportTimeout
from tinyvid.harness import protocol as p
from tinyvid.harness.transport import Transport

DB_CHUNK_BYTES = 31  # what the official runners send per `db` command
MAX_GARBAGE_LINES = 64  # lines outside the protocol in one reply before giving up
MAX_REPLY_LINES = 20_000  # db print of a large input buffer is a few thousand lines
IDEMPOTENT = frozenset({"name", "profile", "tv-info", "results", "tv-output", "tv-perf", "timestamp"})


def _refusal(line: bytes) -> tuple[str, str] | None:
    """(holder, since) when ``line`` is a board bridge refusing this second client."""
    if not line.startswith(b"tinyvid-bridge:"):
        return None
    from tinyvid.build.bridge import parse_refusal  # only then: importing tinyvid.build is slow

    return parse_refusal(line)


@dataclass(frozen=True)
class BoardInfo:
    """What ``tv-info`` says about the firmware on a board."""

    version: int
    model: str
    board: str
    conversion: str
    input_bytes: int
    input_shape: tuple[int, ...]
    input_scale: float
    input_zero_point: int
    output_bytes: int
    output_scale: float
    output_zero_point: int
    arena_bytes: int
    macs: int
    timer: str
    timer_hz: float
    model_hash: str = ""  # first 16 hex digits of the sha256 of the model's .tflite; "" from older firmware

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> "BoardInfo":
        def get(key, convert, default=None):
            if key not in fields:
                if default is not None:
                    return default
                raise ProtocolError(f"tv-info has no '{key}' line (it sent: {', '.join(sorted(fields))})")
            try:
                return convert(fields[key])
            except ValueError as exc:
                raise ProtocolError(f"tv-info '{key}' is not valid: {fields[key]!r}") from exc

        shape = get("input-shape", lambda v: tuple(int(d) for d in v.lower().split("x")), ())
        return cls(
            version=get("version", int, 1),
            model=get("model", str, ""),
            board=get("board", str, ""),
            conversion=get("conversion", str, "int8"),
            input_bytes=get("input-bytes", int),
            input_shape=shape,
            input_scale=get("input-scale", float, 0.0),
            input_zero_point=get("input-zero-point", int, 0),
            output_bytes=get("output-bytes", int),
            output_scale=get("output-scale", float, 0.0),
            output_zero_point=get("output-zero-point", int, 0),
            arena_bytes=get("arena-bytes", int, 0),
            macs=get("macs", int, 0),
            timer=get("timer", str, ""),
            timer_hz=get("timer-hz", float, 0.0),
            model_hash=get("model-hash", str, ""),
        )


@dataclass(frozen=True)
class InferResult:
    """One ``infer N W`` window: the two laps and the printed results."""

    iterations: int
    warmup: int
    start_us: int
    end_us: int
    results: tuple[float, ...]

    @property
    def total_us(self) -> int:
        return self.end_us - self.start_us

    @property
    def latency_us(self) -> float:
        return self.total_us / self.iterations


@dataclass(frozen=True)
class Perf:
    """``tv-perf``: timer ticks spent in the timed inferences of the last ``infer``."""

    ticks: int
    iterations: int
    hz: float

    @property
    def ticks_per_inference(self) -> float:
        return self.ticks / self.iterations if self.iterations else 0.0


class DutClient:
    """A protocol session with one board over ``transport``.

    ``line_timeout`` bounds the wait for each line, ``infer_timeout`` each line of
    an ``infer`` reply; ``quiet`` is how long the link must stay silent before a
    resynchronisation sends ``name%``.
    """

    def __init__(self, transport: Transport, *, line_timeout: float = 5.0, infer_timeout: float = 30.0,
                 quiet: float = 0.2, history: int = 12):
        self.transport = transport
        self.line_timeout = line_timeout
        self.infer_timeout = infer_timeout
        self.quiet = quiet
        self._history: deque[str] = deque(maxlen=history)
        self._info: BoardInfo | None = None
        self._info_known = False
        self.resets_seen = 0
        self._answered = False
        #: the ``m-tv-detections`` body of the last tv-infer (detector firmware), else None
        self.last_detections: str | None = None

    # -- session --------------------------------------------------------------
    def open(self) -> "DutClient":
        self.transport.open()
        return self

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "DutClient":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def description(self) -> str:
        return self.transport.description

    def last_lines(self) -> str:
        """What went over the link lately, for error messages."""
        if not self._history:
            return "nothing was exchanged yet"
        return " | ".join(self._history)

    def _note(self, text: str) -> None:
        self._history.append(text if len(text) <= 100 else text[:97] + "...")

    # -- the raw exchange -----------------------------------------------------
    def _send(self, data: bytes, note: str | None = None) -> None:
        self._note(note or (f"> {data[:60].decode('ascii', 'replace')}" + ("..." if len(data) > 60 else "")))
        try:
            self.transport.write(data)
        except TransportClosed as exc:
            raise TransportClosed(f"{exc.message}; last exchange: {self.last_lines()}",
                                  hint="the board reset, was unplugged or its process ended") from None
        except TransportTimeout as exc:
            raise TransportTimeout(f"{exc.message}; last exchange: {self.last_lines()}",
                                   hint="the board stopped reading its input: is it hung?") from None

    def _read_record(self, command: str, timeout: float) -> p.Record:
        try:
            line = self.transport.read_line(timeout)
        except TransportTimeout as exc:
            raise TransportTimeout(
                f"{self.description} stopped answering '{command}': {exc.message}; "
                f"last exchange: {self.last_lines()}",
                hint="the board may be hung or busy for longer than the timeout: reset it, "
                "or raise the timeout if an inference really takes that long",
            ) from None
        except TransportClosed as exc:
            raise TransportClosed(
                f"{exc.message} while waiting for the reply to '{command}'; last exchange: {self.last_lines()}",
                hint="the board reset, was unplugged or its process ended",
            ) from None
        refused = _refusal(line)
        if refused is not None:
            raise BoardBusy(self.description, *refused)
        record = p.parse_line(line)
        self._note(f"< {record.line}")
        return record

    def _read_reply(self, command: str, timeout: float, *, stop_at: str | None = None) -> p.Reply:
        reply = p.Reply(command)
        garbage = 0
        while True:
            record = self._read_record(command, timeout)
            reply.records.append(record)
            if record.kind == p.READY or (stop_at is not None and record.kind == stop_at):
                return reply
            garbage += record.kind == p.GARBAGE
            if garbage > MAX_GARBAGE_LINES or len(reply.records) > MAX_REPLY_LINES:
                sample = " | ".join(reply.garbage[:3])[:200]
                raise ProtocolError(
                    f"{self.description} printed {len(reply.records)} lines ({garbage} not in the protocol) "
                    f"without m-ready in reply to '{command}', e.g. {sample!r}",
                    hint="check the baud rate and that the board runs tinyvid or EEMBC DUT firmware; "
                    "a board stuck in a crash loop prints this way",
                )

    def _check_reset(self, reply: p.Reply) -> None:
        if reply.has_boot_lines:
            self.resets_seen += 1
            self._info_known = False
            self.transport.drain(self.quiet, limit=max(1.0, 10 * self.quiet))
            raise BoardReset(
                f"{self.description} reset while answering '{reply.command}' (it printed its boot lines); "
                f"last exchange: {self.last_lines()}",
                hint="a reset mid-run usually means a crash (stack or arena overflow) or a brown-out",
            )

    def command(self, *words: object, timeout: float | None = None) -> p.Reply:
        """Send one command and return its reply (up to ``m-ready``), unchecked
        apart from resets."""
        data = p.format_command(*words)
        command = data.decode("ascii")
        self._send(data)
        reply = self._read_reply(command, self.line_timeout if timeout is None else timeout)
        if reply.has_boot_lines and not self._answered:
            # A board that just started (or an emulator that waited for this
            # connection) prints its boot lines first: that is no reset. Its
            # answer follows; if the command was lost while it booted, ask again.
            try:
                reply = self._read_reply(command, self.line_timeout if timeout is None else timeout)
            except TransportTimeout:
                self._send(data)
                reply = self._read_reply(command, self.line_timeout if timeout is None else timeout)
        self._check_reset(reply)
        self._answered = True
        return reply

    def resync(self, attempts: int = 3) -> str:
        """Bring the link back in step: drain, send ``name%``, check the answer.
        Returns the board's name."""
        for _ in range(attempts):
            self.transport.drain(self.quiet, limit=max(1.0, 10 * self.quiet))
            self._send(b"name%")
            try:
                reply = self._read_reply("name%", self.line_timeout)
            except TransportTimeout:
                continue
            name = reply.first(p.NAME)
            if name is not None and not reply.has_boot_lines and reply.records[-2:-1] == [name]:
                self._answered = True
                return name.value
        raise ProtocolError(
            f"cannot get back in step with {self.description}: after draining, 'name%' "
            f"got no clean answer {attempts} times; last exchange: {self.last_lines()}",
            hint="reset the board; check that it runs tinyvid (or EEMBC DUT) firmware at this baud rate",
        )

    def call(self, *words: object, expect: str, timeout: float | None = None, retry: bool | None = None) -> p.Reply:
        """Send a command and check that its reply holds a record of kind ``expect``.

        An error reply raises ProtocolError. A reply without ``expect`` means the
        link is out of step: resynchronise and, for idempotent commands, ask again.
        """
        command = p.format_command(*words).decode("ascii")
        if retry is None:
            retry = str(words[0]) in IDEMPOTENT
        for attempt in (1, 2):
            reply = self.command(*words, timeout=timeout)
            if reply.errors and reply.first(expect) is None:
                raise ProtocolError(
                    f"{self.description} refused '{command}': {reply.errors[0]}",
                    hint="check the command and its arguments against docs/protocol.md",
                )
            if reply.first(expect) is not None:
                return reply
            self.resync()
            if not (retry and attempt == 1):
                break
        raise OutOfStep(
            f"{self.description} answered '{command}' out of step (no {expect} line; "
            f"got {reply.lines!r}); last exchange: {self.last_lines()}",
            hint="the link was resynchronised; if this repeats, the firmware prints unrequested output",
        )

    # -- standard commands ----------------------------------------------------
    def name(self) -> str:
        return self.call("name", expect=p.NAME).first(p.NAME).value

    def profile(self) -> tuple[str, str]:
        reply = self.call("profile", expect=p.PROFILE)
        model = reply.first(p.MODEL)
        return reply.first(p.PROFILE).value, (model.value if model else "")

    def model_id(self) -> str:
        return self.profile()[1]

    def timestamp(self) -> int:
        return self.call("timestamp", expect=p.LAP).first(p.LAP).value

    def db_load(self, data: bytes, chunk: int = DB_CHUNK_BYTES) -> None:
        """Load ``data`` the standard way: ``db load N`` then ``db <hex>`` commands."""
        if not data:
            raise ValueError("nothing to load")
        reply = self.call("db", "load", len(data), expect=p.EXPECTING, retry=False)
        if reply.first(p.EXPECTING).value != len(data):
            raise ProtocolError(f"{self.description} expects {reply.first(p.EXPECTING).value} bytes, "
                                f"not the {len(data)} sent; last exchange: {self.last_lines()}")
        done = False
        for start in range(0, len(data), chunk):
            reply = self.command("db", data[start:start + chunk].hex())
            if reply.errors:
                raise ProtocolError(f"{self.description} refused input bytes {start}..{start + chunk}: "
                                    f"{reply.errors[0]}; last exchange: {self.last_lines()}")
            done = done or reply.first(p.LOAD_DONE) is not None
        if not done:
            raise ProtocolError(
                f"{self.description} never said m-load-done after {len(data)} bytes; "
                f"last exchange: {self.last_lines()}",
                hint="the input size does not match the firmware's input buffer",
            )

    def db_print(self) -> bytes:
        reply = self.call("db", "print", expect=p.BUFFER, retry=True)
        return b"".join(r.value for r in reply.all(p.BUFFER))

    def infer(self, iterations: int = 1, warmup: int = 0) -> InferResult:
        """Run ``infer N W`` and return its laps and results."""
        if iterations < 1 or warmup < 0:
            raise ValueError("infer needs iterations >= 1 and warmup >= 0")
        reply = self.call("infer", iterations, warmup, expect=p.INFER_DONE,
                          timeout=self.infer_timeout, retry=False)
        laps = [r.value for r in reply.all(p.LAP)]
        results = reply.first(p.RESULTS)
        if len(laps) != 2 or results is None:
            raise ProtocolError(
                f"{self.description} answered 'infer {iterations} {warmup}' without two laps and "
                f"results: {reply.lines!r}",
                hint="the firmware does not follow the DUT protocol's infer reply",
            )
        return InferResult(iterations, warmup, laps[0], laps[1], results.value)

    def results(self) -> tuple[float, ...]:
        return self.call("results", expect=p.RESULTS).first(p.RESULTS).value

    # -- tinyvid extensions ---------------------------------------------------
    def tv_info(self) -> BoardInfo | None:
        """The firmware's ``tv-info``, or None for a board without the extensions."""
        if self._info_known:
            return self._info
        reply = self.command("tv-info")
        if reply.first(p.TV_INFO) is None:
            if not reply.errors:
                self.resync()
                reply = self.command("tv-info")
            if reply.first(p.TV_INFO) is None:
                if reply.errors and "unknown" not in reply.errors[0].lower():
                    raise ProtocolError(f"{self.description} refused 'tv-info%': {reply.errors[0]}")
                self._info, self._info_known = None, True
                return None
        self._info = BoardInfo.from_fields(p.info_from_records(reply.records))
        self._info_known = True
        return self._info

    def tv_load(self, data: bytes) -> None:
        """Load ``data`` as raw bytes (``tv-load N`` then the bytes)."""
        command = f"tv-load {len(data)}%"
        self._send(command.encode("ascii"))
        first = self._read_reply(command, self.line_timeout, stop_at=p.TV_LOAD_READY)
        self._check_reset(first)
        ready = first.first(p.TV_LOAD_READY)
        if ready is None:
            reason = first.errors[0] if first.errors else f"no load-ready line (got {first.lines!r})"
            raise ProtocolError(f"{self.description} refused '{command}': {reason}")
        if ready.value != len(data):
            self.resync()
            raise ProtocolError(f"{self.description} is ready for {ready.value} bytes, not {len(data)}")
        self._send(data, note=f"> <{len(data)} raw bytes>")
        # The host-to-board direction can be slow on an emulated UART (~13 kB/s).
        timeout = self.line_timeout + len(data) / 2000.0
        reply = p.Reply(command)
        while True:
            record = self._read_record(command, timeout)
            reply.records.append(record)
            if record.kind == p.READY and (reply.first(p.LOAD_DONE) or reply.errors or reply.has_boot_lines):
                break
        self._check_reset(reply)
        self._answered = True
        if reply.errors or reply.first(p.LOAD_DONE) is None:
            raise ProtocolError(f"{self.description} did not take the {len(data)} input bytes: "
                                f"{reply.errors[0] if reply.errors else reply.lines!r}")

    def tv_infer(self) -> tuple[int, bytes]:
        """One inference on the loaded input: (timer ticks, raw int8 output)."""
        reply = self.call("tv-infer", expect=p.TV_OUTPUT, timeout=self.infer_timeout, retry=False)
        detections = reply.first(p.TV_DETECTIONS)  # a detector's firmware decodes its heat map
        self.last_detections = detections.value if detections else None
        ticks = reply.first(p.TV_TICKS)
        return (ticks.value if ticks else 0), reply.first(p.TV_OUTPUT).value

    def tv_output(self) -> bytes:
        return self.call("tv-output", expect=p.TV_OUTPUT).first(p.TV_OUTPUT).value

    def tv_perf(self) -> Perf:
        fields = self.call("tv-perf", expect=p.TV_PERF).first(p.TV_PERF).value
        return Perf(ticks=fields.get("ticks", 0), iterations=fields.get("n", 0), hz=float(fields.get("hz", 0)))

    def tv_profile(self) -> tuple[dict[str, int], list[int]]:
        """One inference timed at every operator boundary: ({ops, total, input, end} ticks, ticks per operator)."""
        reply = self.call("tv-profile", expect=p.TV_PROFILE, timeout=self.infer_timeout, retry=False)
        head = reply.first(p.TV_PROFILE).value
        ops = dict(r.value for r in reply.all(p.TV_OP))
        n = head.get("ops", 0)
        if sorted(ops) != list(range(n)):
            raise ProtocolError(f"{self.description} reported {len(ops)} operator timings for {n} operators")
        return head, [ops[k] for k in range(n)]

    # -- what the harness uses --------------------------------------------------
    def load_input(self, data: bytes) -> None:
        """Load one input: ``tv-load`` when the board has the extensions, else ``db``."""
        if self.tv_info() is not None:
            self.tv_load(data)
        else:
            self.db_load(data)

    def run_input(self, data: bytes) -> bytes | tuple[float, ...]:
        """Load one input and run it: the raw int8 output with the extensions,
        the printed (dequantized) results without."""
        self.load_input(data)
        if self.tv_info() is not None:
            return self.tv_infer()[1]
        return self.infer(1, 0).results


def wait_ready(transport: Transport, timeout: float = 5.0) -> None:
    """Wait until a freshly started board has printed its boot lines (``m-ready``)."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        remaining = deadline - time.monotonic()
        try:
            line = transport.read_line(max(0.0, remaining))
        except TransportTimeout:
            raise TransportTimeout(
                f"{transport.description} did not finish booting within {timeout:g} s "
                f"(it printed: {' | '.join(seen) or 'nothing'})",
                hint="check that the firmware starts; on a real board press reset",
            ) from None
        refused = _refusal(line)
        if refused is not None:
            raise BoardBusy(transport.description, *refused)
        seen.append(line.decode("ascii", "replace"))
        if p.parse_line(line).kind == p.READY:
            return
