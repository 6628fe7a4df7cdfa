"""``sweep``: every point of a grid trained, compressed, built and measured on a
board, through the library's own stages, each cached (see :mod:`tinyvid.sweep.cache`).

Per point: train (``tinyvid.train.train``; shared by the points of one resolution
and width) -> compress (``tinyvid.compress.pipeline.compress``: structured pruning,
sparsity, int8; shared by the gate on and off points) -> project + build
(``generate_project``, ``build_project``; ``DoesNotFitError`` marks a point that
does not fit) + bench on the board (``bench_board``) -> stream the synthetic clip
through the board with the motion gate on (calibrated on the clip's events) or off
(``tinyvid.video.stream``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tinyvid.errors import DoesNotFitError, ModelError, TinyvidError
from tinyvid.sweep.cache import Stage, key_of, write_json
from tinyvid.sweep.grid import Grid, Point
from tinyvid.sweep.pareto import Budget, Recommendation, pareto_front, recommend

DEFAULT_OUT_DIR = "runs/sweep"
DEFAULT_BOARD = "qemu-mps2-an386"
DEFAULT_EPOCHS = 10
DEFAULT_FINETUNE_EPOCHS = 3
DEFAULT_STREAM_FRAMES = 300
#: a board stage (boot, bench, stream) that fails is tried once more (an emulated
#: board on a loaded machine can miss a reply); the log says so
BOARD_RETRIES = 1
#: architecture -> (its width parameter, the value at width 1); mobilenet_v1's alpha
#: is itself a width multiplier
WIDTH_PARAMS = {"tiny_cnn": ("filters", 8), "resnet8": ("filters", 16), "mobilenet_v1": ("alpha", 1.0)}


@dataclass(frozen=True)
class Settings:
    """What every point shares; all of it goes into the cache keys."""

    data: str = "synthetic"
    arch: str = "tiny_cnn"
    channels: int | None = None
    clips_per_class: int | None = None
    seed: int = 0
    epochs: int = DEFAULT_EPOCHS
    finetune_epochs: int = DEFAULT_FINETUNE_EPOCHS
    board: str = DEFAULT_BOARD
    stream_frames: int = DEFAULT_STREAM_FRAMES

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SweepResult:
    grid: Grid
    settings: Settings
    records: list[dict]
    front: list[dict]
    recommendation: Recommendation
    budget: Budget
    cost: str
    out_dir: Path
    board_limits: dict
    measured: int = 0   # points measured in this run (not from the cache, not failed)
    seconds: float = 0.0
    files: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[dict]:
        return [r for r in self.records if r.get("error")]

    def to_dict(self) -> dict:
        return {"grid": {a: list(getattr(self.grid, a)) for a in ("resolution", "width", "prune", "sparsity", "gate")},
                "settings": self.settings.to_dict(), "cost": self.cost, "budget": self.budget.to_dict(),
                "board": self.board_limits, "points": self.records, "pareto_front": [r["key"] for r in self.front],
                "recommendation": self.recommendation.to_dict(), "measured_this_run": self.measured,
                "seconds": round(self.seconds, 1), "files": self.files}


def width_params(arch: str, width: float) -> dict:
    """The architecture parameter a width multiplier sets."""
    if arch not in WIDTH_PARAMS:
        raise ModelError(f"the sweep has no width axis for architecture '{arch}'",
                         f"sweep one of: {', '.join(WIDTH_PARAMS)}")
    name, base = WIDTH_PARAMS[arch]
    value = base * width if isinstance(base, float) else max(1, round(base * width))
    return {name: value}


def check_settings(settings: Settings, grid: Grid) -> None:
    from tinyvid.boards import load_board
    from tinyvid.train.architectures import check_params

    load_board(settings.board)  # an unknown board: fail before training
    for width in grid.width:
        check_params(settings.arch, width_params(settings.arch, width))
    if settings.epochs < 1 or settings.finetune_epochs < 1 or settings.stream_frames < 1:
        raise ModelError("epochs, fine-tuning epochs and stream frames must be at least 1",
                         "use e.g. --epochs 10 --finetune-epochs 3 --stream-frames 300")


class _Stages:
    """The four cached stages, with the data sets loaded once per resolution."""

    def __init__(self, out_dir: Path, settings: Settings, log: Callable[[str], None]):
        from tinyvid import __version__

        self.out, self.s, self.log = out_dir, settings, log
        self.base = key_of(__version__, settings.data, settings.arch, settings.channels, settings.clips_per_class,
                           settings.seed)
        self._data: dict = {}
        self.ran = 0  # stages run (not cached) in this sweep

    def dataset(self, resolution: int):
        if resolution not in self._data:
            from tinyvid.data import load_dataset

            self._data = {resolution: load_dataset(self.s.data, image_size=(resolution, resolution),
                                                   channels=self.s.channels, seed=self.s.seed,
                                                   clips_per_class=self.s.clips_per_class)}
        return self._data[resolution]

    def _run(self, stage: Stage, what: str, work: Callable[[Path], dict], *, retries: int = 0) -> dict:
        if stage.done:
            self.log(f"      {what}: cached ({stage.path.name})")
            return stage.result()
        start = time.monotonic()
        for attempt in range(retries + 1):
            path = stage.start()
            try:
                result = work(path)
                break
            except TinyvidError as exc:
                if attempt == retries:
                    raise
                self.log(f"      {what}: {exc.message}; trying once more")
        result["seconds"] = round(time.monotonic() - start, 1)
        self.ran += 1
        self.log(f"      {what}: {result['seconds']:.0f} s")
        return stage.finish(result)

    def train(self, p: Point) -> tuple[str, dict]:
        key = key_of(self.base, "train", p.resolution, p.width, self.s.epochs)
        stage = Stage(self.out, "train", f"r{p.resolution}-w{p.width:g}", key)

        def work(path: Path) -> dict:
            from tinyvid.train import train

            result = train(self.dataset(p.resolution), self.s.arch, epochs=self.s.epochs, seed=self.s.seed,
                           out_dir=path, progress=False, **width_params(self.s.arch, p.width))
            return {"model": str(result.model_path), "float_test_accuracy": result.metrics["test"]["accuracy"],
                    "epochs_run": result.record["training"]["epochs_run"]}

        return key, self._run(stage, "train", work)

    def compress(self, p: Point, train_key: str, trained: dict) -> tuple[str, dict]:
        key = key_of(train_key, "compress", p.prune, p.sparsity, self.s.finetune_epochs)
        stage = Stage(self.out, "compress", f"r{p.resolution}-w{p.width:g}-p{p.prune:g}-s{p.sparsity:g}", key)

        def work(path: Path) -> dict:
            from tinyvid.compress.pipeline import compress

            report = compress(trained["model"], self.dataset(p.resolution), structured=p.prune or None,
                              sparsity=p.sparsity or None, epochs=self.s.finetune_epochs, seed=self.s.seed,
                              out_dir=path, progress=False)
            int8 = report.stage("int8")
            return {"int8_model": report.files["int8_tflite"], "test_accuracy": int8.accuracy,
                    "float_accuracy": report.stage("float").accuracy, "params": int8.params, "macs": int8.macs,
                    "tflite_bytes": int8.tflite_bytes, "measured_sparsity": int8.sparsity}

        return key, self._run(stage, "compress", work)

    def build(self, p: Point, compress_key: str, compressed: dict) -> tuple[str, dict]:
        key = key_of(compress_key, "build", self.s.board)
        stage = Stage(self.out, "build", f"r{p.resolution}-w{p.width:g}-p{p.prune:g}-s{p.sparsity:g}", key)

        def work(path: Path) -> dict:
            from tinyvid.build import build_project
            from tinyvid.harness.session import bench_board
            from tinyvid.project import generate_project

            try:
                project = generate_project(compressed["int8_model"], self.s.board, path / "project",
                                           conversion="uint8")
                built = build_project(project.path)
            except DoesNotFitError as exc:
                return {"fits": False, "fit_message": exc.message, "overflow": exc.overflows}
            bench = bench_board(project=project.path, windows=2, iterations=1)
            latency_us = bench.board_latency_us or bench.latency_us.median
            return {"fits": True, "project": str(project.path), "flash_bytes": built.flash_used,
                    "ram_bytes": built.ram_used, "arena_bytes": bench.arena_bytes,
                    "instructions": bench.work.median if bench.work else None, "work_unit": bench.work_unit,
                    "latency_ms": latency_us / 1e3, "energy_per_inference_uj": bench.energy_uj}

        return key, self._run(stage, "build + bench", work, retries=BOARD_RETRIES)

    def stream(self, p: Point, build_key: str, built: dict) -> tuple[str, dict]:
        key = key_of(build_key, "stream", p.gate, self.s.stream_frames)
        stage = Stage(self.out, "stream", f"r{p.resolution}-w{p.width:g}-p{p.prune:g}-s{p.sparsity:g}-"
                                          f"gate{'on' if p.gate else 'off'}", key)

        def work(path: Path) -> dict:
            from tinyvid.video import GateConfig, stream

            result = stream("synthetic", project=built["project"], gate=GateConfig(on=p.gate),
                            calibrate_gate=p.gate, max_frames=self.s.stream_frames, seed=self.s.seed,
                            out_dir=path)
            r = result.report
            keys = ("frames", "frames_inferred", "frames_skipped", "frames_lost", "frames_corrupt",
                    "frames_duplicated", "bit_exact_frames", "energy_per_frame_uj",
                    "energy_per_frame_every_frame_uj", "fps_board", "accuracy_board", "accuracy_host_every_frame",
                    "accuracy_cost", "event_recall", "events", "events_missed", "gate_cost_fraction")
            out = {k: r.get(k) for k in keys}
            out["instructions_per_frame"] = sum(r["work_per_frame"].values()) if r.get("work_per_frame") else None
            out["stream_failed"] = result.failed
            out["gate_config"] = r["gate"]
            out["stream_json"] = result.files.get("json")
            return out

        return key, self._run(stage, f"stream gate {'on' if p.gate else 'off'}", work, retries=BOARD_RETRIES)


def _record(p: Point, key: str, compressed: dict, built: dict, streamed: dict | None) -> dict:
    rec = {"key": key, "label": p.label(), **p.to_dict()}
    rec.update({k: compressed[k] for k in ("test_accuracy", "float_accuracy", "params", "macs", "tflite_bytes",
                                           "measured_sparsity", "int8_model")})
    rec.update({k: v for k, v in built.items() if k != "seconds"})
    if streamed is not None:
        rec.update({k: v for k, v in streamed.items() if k != "seconds"})
        cost = max(0.0, streamed.get("accuracy_cost") or 0.0)
        rec["gate_accuracy_cost"] = cost
        rec["accuracy"] = compressed["test_accuracy"] - cost
    else:
        rec["accuracy"] = compressed["test_accuracy"]
    return rec


def run_sweep(grid: Grid, settings: Settings = Settings(), *, out_dir: str | Path = DEFAULT_OUT_DIR,
              budget: Budget = Budget(), cost: str = "energy", log: Callable[[str], None] = print) -> SweepResult:
    """Measure every point of ``grid`` (reusing what ``out_dir`` already holds), then
    compute the Pareto front and the recommendation for ``settings.board`` and
    ``budget``; writes ``sweep.json``, ``sweep.csv`` and ``sweep.png`` into ``out_dir``."""
    from tinyvid.boards import load_board
    from tinyvid.paths import check_output_dir
    from tinyvid.sweep.report import write_outputs

    check_settings(settings, grid)
    pareto_front([], cost)  # an unknown cost: fail before any work
    out = check_output_dir(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    board = load_board(settings.board)
    limits = {"name": board.name, "flash_bytes": board.memory.flash_bytes, "ram_bytes": board.memory.ram_bytes}
    stages = _Stages(out, settings, log)
    start = time.monotonic()
    points = grid.points()
    records: list[dict] = []
    measured = 0
    log(f"sweep of {grid.describe()} on {board.name} into {out}")
    # Points in stage order (resolution, width, prune, sparsity, gate): each training
    # and each compressed model is made once and reused by the points after it.
    for i, p in enumerate(points, start=1):
        log(f"[{i}/{len(points)}] {p.label()}  ({time.monotonic() - start:.0f} s so far)")
        before = stages.ran
        try:
            tkey, trained = stages.train(p)
            ckey, compressed = stages.compress(p, tkey, trained)
            bkey, built = stages.build(p, ckey, compressed)
            if built["fits"]:
                skey, streamed = stages.stream(p, bkey, built)
            else:
                log(f"      does not fit {board.name}: {built['fit_message']}")
                skey, streamed = key_of(bkey, "stream", p.gate, settings.stream_frames), None
            record = _record(p, skey, compressed, built, streamed)
        except TinyvidError as exc:  # keep going; what the other points measured is kept
            log(f"      error: {exc.message}")
            record = {"key": key_of(stages.base, p.to_dict()), "label": p.label(), **p.to_dict(),
                      "fits": False, "error": exc.message, "hint": exc.hint}
        measured += stages.ran > before and not record.get("error")
        records.append(record)
        write_json(out / "points.json", records)  # what was measured so far survives an interruption
    front = pareto_front(records, cost)
    rec = recommend(records, board=board.name, flash_bytes=board.memory.flash_bytes,
                    ram_bytes=board.memory.ram_bytes, budget=budget)
    result = SweepResult(grid, settings, records, front, rec, budget, cost, out, limits, measured,
                         time.monotonic() - start)
    result.files = write_outputs(result, out)
    return result
