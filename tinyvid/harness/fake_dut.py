"""``FakeDut``: a Python model of a tinyvid board behind its UART.

It speaks the DUT protocol and the ``tv-`` extensions exactly as the firmware
does (``docs/protocol.md``), runs a model you give it (a callable from the int8
input to the int8 output; a deterministic toy by default) and misbehaves on cue.
Feed it host bytes with :meth:`FakeDut.feed`; it returns what the board prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BOOT_LINES = b"m-timestamp-mode-performance\r\nm-lap-us-0\r\nm-init-done\r\nm-ready\r\n"
MAX_COMMAND = 80


def toy_model(x: np.ndarray, output_bytes: int) -> np.ndarray:
    """A deterministic stand-in for a network: int8 input -> int8 output."""
    acc = x.astype(np.int64)
    weights = np.arange(1, output_bytes + 1, dtype=np.int64)
    out = (acc.sum() * weights + np.arange(output_bytes) * 37) % 256 - 128
    return out.astype(np.int8)


class FakeDut:
    """A Python model of a tinyvid board behind its UART.

    ``faults`` maps the index of a received command (0 for the first) to what the
    board does instead of answering normally: ``"reset"`` (prints its boot lines and
    loses its state), ``"drop"`` (ignores that command), ``"hang"`` (never answers
    again), ``"garbage"`` (prints noise, then answers), ``"stale"`` (prints a stray
    ``m-ready`` first, putting the host out of step), ``"die"`` (the link closes).
    """

    def __init__(self, *, model: Callable[[np.ndarray], np.ndarray] | None = None,
                 input_shape: Sequence[int] = (1, 4, 4, 1), output_bytes: int = 4,
                 name: str = "tinyvid-fake", model_id: str = "tv01", board: str = "fake", profile: str = "ulp-mlperf",
                 conversion: str = "int8", input_scale: float = 1 / 255, input_zero_point: int = -128,
                 output_scale: float = 1 / 256, output_zero_point: int = -128,
                 extensions: bool = True, us_per_inference: int = 1500, ticks_per_inference: int = 37500,
                 timer: str = "systick", timer_hz: int = 25_000_000, arena_bytes: int = 4096,
                 macs: int = 10_000, model_hash: str = "", faults: dict[int, str] | None = None):
        self.input_shape = tuple(input_shape)
        self.input_elements = int(np.prod(self.input_shape))
        self.output_bytes = output_bytes
        self.model = model or (lambda x: toy_model(x, output_bytes))
        self.name, self.model_id, self.board, self.profile = name, model_id, board, profile
        self.conversion = conversion
        self.input_scale, self.input_zero_point = input_scale, input_zero_point
        self.output_scale, self.output_zero_point = output_scale, output_zero_point
        self.extensions = extensions
        self.us_per_inference = us_per_inference
        self.ticks_per_inference = ticks_per_inference
        self.timer, self.timer_hz = timer, timer_hz
        self.arena_bytes, self.macs = arena_bytes, macs
        self.model_hash = model_hash
        self.faults = dict(faults or {})
        self.commands_seen = 0
        self.dead = False
        self.hung = False
        self._command = bytearray()
        self._now_us = 1000
        self.reset_state()

    @property
    def input_bytes(self) -> int:
        return self.input_elements * (4 if self.conversion == "float32" else 1)

    def reset_state(self) -> None:
        self._buffer = bytearray(self.input_bytes)
        self._expected = 0
        self._loaded = 0
        self._raw_remaining = 0
        self._output = np.zeros(self.output_bytes, np.int8)
        self._perf = (0, 0)
        self._inferred = False

    # -- the model side ---------------------------------------------------------
    def model_input(self, data: bytes) -> np.ndarray:
        """The int8 tensor the model sees for input bytes in the board's format
        (the whole buffer; a shorter load leaves the rest as it was)."""
        from tinyvid.harness.inputs import InputFormat, to_model_tensor

        fmt = InputFormat(self.input_shape, self.conversion, self.input_scale, self.input_zero_point)
        return to_model_tensor(bytes(data), fmt)

    def reference(self, data: bytes) -> bytes:
        """What the board outputs for ``data`` (for tests)."""
        return np.asarray(self.model(self.model_input(data)), np.int8).reshape(-1).tobytes()

    def _infer_once(self) -> None:
        self._output = np.frombuffer(self.reference(bytes(self._buffer)), np.int8)
        self._inferred = True
        self._now_us += self.us_per_inference

    def _dequantized(self) -> str:
        values = (self._output.astype(np.float64) - self.output_zero_point) * self.output_scale
        return ",".join(f"{v:0.3f}" for v in values)

    # -- the UART side ----------------------------------------------------------
    def __call__(self, data: bytes) -> bytes:
        return self.feed(data)

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return what the board prints in response."""
        out = bytearray()
        i = 0
        while i < len(data) and not self.dead:
            if self._raw_remaining:
                take = data[i:i + self._raw_remaining]
                self._buffer[self._loaded:self._loaded + len(take)] = take
                self._loaded += len(take)
                self._raw_remaining -= len(take)
                i += len(take)
                if not self._raw_remaining:
                    out += b"m-load-done\r\nm-ready\r\n"
                continue
            byte = data[i:i + 1]
            i += 1
            if byte != b"%":
                self._command += byte
                continue
            text = self._command.decode("ascii", "replace")
            self._command.clear()
            out += self._on_command(text)
        return bytes(out)

    def _on_command(self, text: str) -> bytes:
        index = self.commands_seen
        self.commands_seen += 1
        fault = self.faults.get(index)
        if self.hung or fault == "hang":
            self.hung = True
            return b""
        if fault == "drop":
            return b""
        if fault == "die":
            self.dead = True
            return b""
        if fault == "reset":
            self.reset_state()
            return BOOT_LINES
        prefix = b""
        if fault == "garbage":
            prefix = b"\x00\xff#@!garbage\r\n"
        elif fault == "stale":
            prefix = b"m-ready\r\n"
        lines = self._answer(text)
        body = "".join(line + "\r\n" for line in lines)
        if not self._raw_remaining:  # after tv-load's ready line the raw bytes come first
            body += "m-ready\r\n"
        return prefix + body.encode("ascii")

    def _answer(self, text: str) -> list[str]:
        if len(text) > MAX_COMMAND:
            return ["e-[Command too long]"]
        words = text.split()
        if not words:
            return ["e-[Unknown command: ]"]
        cmd, args = words[0], words[1:]
        if cmd == "name":
            return [f"m-name-dut-[{self.name}]"]
        if cmd == "profile":
            return [f"m-profile-[{self.profile}]", f"m-model-[{self.model_id}]"]
        if cmd == "timestamp":
            self._now_us += 10
            return [f"m-lap-us-{self._now_us}"]
        if cmd == "db":
            return self._db(args)
        if cmd == "infer":
            return self._infer(args)
        if cmd == "results":
            if not self._inferred:
                return ["e-[No inference has run]"]
            return [f"m-results-[{self._dequantized()}]"]
        if self.extensions and cmd.startswith("tv-"):
            return self._tv(cmd, args)
        return [f"e-[Unknown command: {text}]"]

    def _db(self, args: list[str]) -> list[str]:
        if not args:
            return ["e-[Command 'db' requires a subcommand]"]
        if args[0] == "load":
            if len(args) < 2:
                return ["e-[Command 'db load' requires the # of bytes]"]
            n = int(args[1]) if args[1].isdigit() else 0
            if n <= 0:
                return ["e-[Command 'db load' must be >0 bytes]"]
            if n > self.input_bytes:
                return [f"e-[Command 'db load' of {n} bytes exceeds the input buffer of {self.input_bytes} bytes]"]
            self._expected, self._loaded = n, 0
            return [f"m-[Expecting {n} bytes]"]
        if args[0] == "print":
            data = bytes(self._buffer[:self._expected or self.input_bytes])
            return ["m-buffer-" + "-".join(f"{b:02x}" for b in data[i:i + 8]) for i in range(0, len(data), 8)]
        digits = args[0]
        if not self._expected:
            return ["e-[Command 'db' needs a 'db load <N>' first]"]
        if len(digits) % 2:
            return ["e-[Insufficent number of hex digits]"]
        if self._loaded + len(digits) // 2 > self._expected:
            return [f"e-[Command 'db' sends more than the {self._expected} bytes expected]"]
        for j in range(0, len(digits), 2):
            pair = digits[j:j + 2]
            try:
                value = int(pair, 16)
            except ValueError:
                return [f"e-[Invalid hex digit '{pair}']"]
            if self._loaded < len(self._buffer):
                self._buffer[self._loaded] = value
            self._loaded += 1
            if self._loaded == self._expected:
                return ["m-load-done"]
        return []

    def _infer(self, args: list[str]) -> list[str]:
        # Without arguments: 1 timed inference after 10 warm-up ones (reference firmware).
        n = int(args[0]) if args else 1
        w = int(args[1]) if len(args) > 1 else (0 if args else 10)
        if n <= 0:
            return ["e-[Inference iterations must be >0]"]
        if w < 0:
            return ["e-[Inference warmup must be >=0]"]
        lines = [f"m-warmup-start-{w}"]
        for _ in range(w):
            self._infer_once()
        lines += ["m-warmup-done", f"m-infer-start-{n}", f"m-lap-us-{self._now_us}"]
        for _ in range(n):
            self._infer_once()
        self._perf = (self.ticks_per_inference * n, n)
        lines += [f"m-lap-us-{self._now_us}", "m-infer-done", f"m-results-[{self._dequantized()}]"]
        return lines

    def _tv(self, cmd: str, args: list[str]) -> list[str]:
        if cmd == "tv-info":
            info = {
                "version": 1, "model": self.model_id, **({"model-hash": self.model_hash} if self.model_hash else {}),
                "board": self.board, "conversion": self.conversion,
                "input-bytes": self.input_bytes, "input-shape": "x".join(map(str, self.input_shape)),
                "input-scale": f"{self.input_scale:.9g}", "input-zero-point": self.input_zero_point,
                "output-bytes": self.output_bytes, "output-scale": f"{self.output_scale:.9g}",
                "output-zero-point": self.output_zero_point, "arena-bytes": self.arena_bytes,
                "macs": self.macs, "timer": self.timer, "timer-hz": self.timer_hz,
            }
            return [f"m-tv-{key}-[{value}]" for key, value in info.items()]
        if cmd == "tv-load":
            n = int(args[0]) if args and args[0].isdigit() else 0
            if n <= 0:
                return ["e-[tv-load must be >0 bytes]"]
            if n > self.input_bytes:
                return [f"e-[tv-load {n} bytes exceed the input buffer of {self.input_bytes} bytes]"]
            self._expected, self._loaded, self._raw_remaining = n, 0, n
            return [f"m-tv-load-ready-[{n}]"]
        if cmd == "tv-infer":
            self._infer_once()
            return [f"m-tv-ticks-[{self.ticks_per_inference}]", f"m-tv-output-[{self._output.tobytes().hex()}]"]
        if cmd == "tv-output":
            if not self._inferred:
                return ["e-[No inference has run]"]
            return [f"m-tv-output-[{self._output.tobytes().hex()}]"]
        if cmd == "tv-perf":
            ticks, n = self._perf
            return [f"m-tv-perf-[ticks={ticks},n={n},hz={self.timer_hz}]"]
        return [f"e-[Unknown command: {cmd}]"]
