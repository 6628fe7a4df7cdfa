"""``bench``: how fast a model runs on a board, and how far from the board's floor.

Each window is one ``infer N W`` command. Latency per inference comes from the
window's two laps (microseconds, as the DUT protocol defines it); work per
inference comes from ``tv-perf`` timer ticks, converted as the board's timer says:
``dwt`` ticks are core cycles, ``systick`` ticks on an emulated board (QEMU
``-icount``) are an exact instruction count (ticks x instructions-per-tick from the
board file, reported as instructions, never as cycles), ``host`` ticks are
nanoseconds of the host process and count no work. Energy per inference is
measured when a power monitor runs beside the board (``meter``, see
:mod:`tinyvid.power`), else the board file's estimate (volts x active current x
latency); ``energy_source`` says which.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field

import numpy as np

from tinyvid.errors import PowerError, TinyvidError
from tinyvid.harness.client import BoardReset, DutClient, OutOfStep
from tinyvid.processes import interrupt_name

DEFAULT_WINDOWS = 5
DEFAULT_WARMUP = 1
#: Without --iterations, each window is sized to last about this long on the board.
TARGET_WINDOW_S = 1.0
MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class Stats:
    median: float
    min: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> "Stats":
        return cls(float(statistics.median(values)), float(min(values)), float(max(values)))


@dataclass(frozen=True)
class Window:
    iterations: int
    warmup: int
    latency_us: float
    ticks_per_inference: float | None
    start_us: int | None = None  # the board's two timestamps around the timed inferences
    end_us: int | None = None


@dataclass
class BenchResult:
    """Everything ``bench`` measured, with the basis of every derived figure."""

    board: str
    model: str
    windows: list[Window]
    latency_us: Stats
    work: Stats | None = None
    work_unit: str | None = None  # "cycles" or "instructions"
    timer: str = ""
    macs: int | None = None
    macs_per_unit: float | None = None
    peak_macs_per_cycle: float | None = None
    fraction_of_peak: float | None = None
    arena_bytes: int | None = None
    tflm_arena_bytes: int | None = None  # what TFLM's interpreter needs for the same model
    tflite_bytes: int | None = None  # the .tflite, which TFLM keeps in flash besides its own code
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    energy_uj: float | None = None
    energy_basis: str | None = None
    energy_source: str | None = None  # "measured" (a power monitor) or "estimate" (the board file)
    average_power_mw: float | None = None  # while inferring
    energy_estimate_uj: float | None = None  # the board file's estimate, also when measured
    power_monitor: str | None = None
    energy_per_window_uj: list[float] | None = None
    #: On an emulated board the laps are QEMU's virtual time; this is the latency
    #: the instruction count gives at the board's clock (an estimate, basis below).
    board_latency_us: float | None = None
    board_latency_basis: str | None = None
    notes: list[str] = field(default_factory=list)
    #: When the run stopped early (the link dropped, a signal): what stopped it.
    #: The windows above were measured and are kept; the figures are theirs.
    requested_windows: int = 0
    error: str | None = None
    error_type: str | None = None
    stopped_by: str | None = None  # the signal (SIGINT, SIGTERM, SIGHUP), if one stopped it

    @property
    def complete(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["energy_is_estimate"] = self.energy_source == "estimate"
        data["complete"] = self.complete
        return data

    def metrics(self) -> dict[str, float]:
        """The figures a regression suite checks, by metric name."""
        out: dict[str, float] = {"latency_us": self.latency_us.median}
        if self.work is not None and self.work_unit:
            out[self.work_unit] = self.work.median
        for key in ("energy_uj", "arena_bytes", "flash_bytes", "ram_bytes", "macs_per_unit"):
            value = getattr(self, key)
            if value is not None:
                out[key] = float(value)
        return out


def work_unit_for(timer: str, instructions_per_tick: float | None) -> tuple[str | None, float]:
    """The unit timer ticks measure and the factor from ticks to that unit."""
    if timer == "dwt":
        return "cycles", 1.0
    if timer == "systick" and instructions_per_tick:
        return "instructions", float(instructions_per_tick)
    return None, 0.0


def pick_iterations(latency_us: float, target_s: float = TARGET_WINDOW_S) -> int:
    """How many inferences make a window of about ``target_s`` seconds."""
    if latency_us <= 0:
        return MAX_ITERATIONS
    return max(1, min(MAX_ITERATIONS, math.ceil(target_s * 1e6 / latency_us)))


def _load_bench_input(client: DutClient, info, seed: int) -> bool:
    """Load a fixed pseudo-random input (int8 kernel timings do not depend on it)."""
    if info is None or not info.input_bytes:
        return False
    rng = np.random.default_rng(seed)
    if info.conversion == "float32":
        data = rng.random(info.input_bytes // 4, dtype=np.float32).astype("<f4").tobytes()
    else:
        data = rng.integers(0, 256, info.input_bytes, dtype=np.uint8).tobytes()
    client.load_input(data)
    return True


def _window(client: DutClient, iterations: int, warmup: int, with_perf: bool, meter=None) -> Window:
    result = client.infer(iterations, warmup)
    if meter is not None:
        meter.window(result.start_us, result.end_us, iterations)
    ticks = None
    if with_perf:
        perf = client.tv_perf()
        if perf.iterations == iterations:
            ticks = perf.ticks_per_inference
    return Window(iterations, warmup, result.latency_us, ticks, result.start_us, result.end_us)


def _measure(client: DutClient, measured: list[Window], windows: int, iterations: int, warmup: int,
             with_perf: bool, progress: bool, label: str, reload, notes: list[str], meter=None) -> None:
    """Run the windows into ``measured``; a window interrupted by a reset or an
    out-of-step reply is run once more (after reloading the input a reset lost)."""
    from tqdm import tqdm

    for index in tqdm(range(windows), desc=f"bench {label}", unit="window", disable=not progress, leave=False):
        try:
            measured.append(_window(client, iterations, warmup, with_perf, meter))
        except (BoardReset, OutOfStep) as exc:
            notes.append(f"window {index + 1} repeated: {exc.message[:160]}")
            if isinstance(exc, BoardReset):
                reload()
            measured.append(_window(client, iterations, warmup, with_perf, meter))


def bench(client: DutClient, *, windows: int = DEFAULT_WINDOWS, iterations: int | None = None,
          warmup: int = DEFAULT_WARMUP, board=None, sizes: dict | None = None, macs: int | None = None,
          progress: bool = False, target_window_s: float = TARGET_WINDOW_S, seed: int = 0,
          meter=None) -> BenchResult:
    """Measure latency (and cycles or instructions) per inference over ``windows``
    windows on the board behind ``client``.

    ``board`` is a :class:`tinyvid.boards.Board` (timer conversion, power profile,
    peak MACs per cycle); ``sizes`` holds ``arena_bytes`` / ``flash_bytes`` /
    ``ram_bytes`` from the project and its build; ``macs`` overrides the MACs per
    inference the firmware reports; ``meter`` (a :class:`tinyvid.power.monitor.EnergyMeter`,
    opened) measures energy over the timed windows instead of the estimate.
    """
    if windows < 1:
        raise ValueError("bench needs at least one window")
    info = client.tv_info()
    name = client.name()
    model_id = client.model_id()
    notes: list[str] = []
    if not _load_bench_input(client, info, seed):
        notes.append("board has no tv- extensions: ran on the input it holds, no cycle counts")
    if iterations is None:
        iterations = pick_iterations(client.infer(1, 0).latency_us, target_window_s)
    measured: list[Window] = []
    stopped: dict = {}
    if meter is not None:
        meter.start(client)
    try:
        _measure(client, measured, windows, iterations, warmup, info is not None, progress, name,
                 reload=lambda: _load_bench_input(client, client.tv_info(), seed), notes=notes, meter=meter)
    except (TinyvidError, KeyboardInterrupt) as exc:  # keep the windows measured before it
        if not measured:
            raise
        signal = interrupt_name(exc) if isinstance(exc, KeyboardInterrupt) else None
        stopped = {"error": f"stopped after {len(measured)} of {windows} windows: "
                            + (f"interrupted by {signal}" if signal else exc.message),
                   "error_type": "Interrupted" if signal else type(exc).__name__, "stopped_by": signal}
    energy = None
    if meter is not None and not stopped:
        try:
            energy = meter.finish(client)
        except PowerError as exc:  # the windows stay; the energy is the error
            stopped = {"error": f"energy not measured: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""),
                       "error_type": "PowerError", "stopped_by": None}

    timer = (info.timer if info else "") or (board.timer.kind if board is not None else "")
    ipt = board.timer.instructions_per_tick if board is not None else None
    unit, factor = work_unit_for(timer, ipt)
    work = None
    ticks = [w.ticks_per_inference for w in measured if w.ticks_per_inference is not None]
    if unit and ticks and len(ticks) == len(measured):
        work = Stats.of([t * factor for t in ticks])
    elif timer == "systick" and ticks:
        notes.append("systick ticks without instructions_per_tick in the board file: no instruction count")
    elif timer == "host":
        notes.append("host board: timings are of this machine's process and say nothing about a board")

    result = BenchResult(board=(board.name if board is not None else (info.board if info else "")) or name,
                         model=model_id or (info.model if info else ""), windows=measured,
                         latency_us=Stats.of([w.latency_us for w in measured]),
                         work=work, work_unit=unit if work else None, timer=timer, notes=notes,
                         requested_windows=windows, **stopped)
    result.macs = macs if macs is not None else (info.macs if info and info.macs else None)
    sizes = dict(sizes or {})
    if info is not None and info.arena_bytes:
        sizes.setdefault("arena_bytes", info.arena_bytes)
    result.arena_bytes = sizes.get("arena_bytes")
    result.flash_bytes = sizes.get("flash_bytes")
    result.tflm_arena_bytes = sizes.get("tflm_arena_bytes")
    result.tflite_bytes = sizes.get("tflite_bytes")
    result.ram_bytes = sizes.get("ram_bytes")
    _derive(result, board, energy)
    return result


def _derive(result: BenchResult, board, energy=None) -> None:
    """MACs per cycle or instruction against the peak, the board latency of an
    emulated board, and the energy estimate."""
    work = result.work
    if result.macs and work is not None and work.median > 0:
        result.macs_per_unit = result.macs / work.median
        compute = getattr(board, "compute", None)
        if compute is not None:
            result.peak_macs_per_cycle = compute.peak_macs_per_cycle
            result.fraction_of_peak = result.macs_per_unit / compute.peak_macs_per_cycle
    latency, latency_name = result.latency_us.median, "latency"
    if getattr(board, "emulated", False):
        result.notes.append("emulated board: the laps are QEMU's virtual time (-icount), not the board's; "
                            "the instruction count is exact")
        if result.work_unit == "instructions" and board.clock_hz:
            latency = work.median / board.clock_hz * 1e6
            latency_name = "instructions at the clock"
            result.board_latency_us = latency
            result.board_latency_basis = (f"estimate: {work.median:,.0f} instructions at "
                                          f"{board.clock_hz / 1e6:g} MHz, assuming one instruction per cycle")
    from tinyvid.power.estimate import inference_estimate

    estimate = inference_estimate(board, latency, latency_name) if result.timer != "host" else None
    if estimate is not None:
        result.energy_estimate_uj = estimate[0]
    if energy is not None:
        result.energy_uj, result.average_power_mw, result.energy_basis = (energy.energy_uj, energy.average_power_mw,
                                                                          energy.basis)
        result.energy_source, result.power_monitor = "measured", energy.monitor
        result.energy_per_window_uj = energy.per_window_uj
        result.notes.extend(energy.notes)
    elif estimate is not None:
        result.energy_uj, result.average_power_mw, result.energy_basis = estimate
        result.energy_source = "estimate"
