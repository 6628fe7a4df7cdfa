"""``tinyvid demo``: the whole pipeline on the built-in default, with nothing else needed.

Synthetic video frames -> train the default tiny CNN -> prune (50 % of the weights,
fine-tuned) -> full-int8 quantization -> firmware project for the default board
(``qemu-mps2-an386``, a Cortex-M4F under QEMU) -> build -> boot the board -> bench
and validate it over its serial port. The summary is also written to
``<out_dir>/summary.json``. Every figure of the closing summary comes from
one of these steps; none is typed in.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tinyvid.paths import check_output_dir

DEFAULT_BOARD = "qemu-mps2-an386"
DEFAULT_OUT_DIR = "runs/demo"
DEFAULT_SPARSITY = 0.5
DEFAULT_SAMPLES = 100
DEFAULT_FINETUNE_EPOCHS = 8


@dataclass
class DemoResult:
    """What each step of the demo produced."""

    out_dir: Path
    board: str
    train: object = None
    compression: object = None
    project: object = None
    build: object = None
    bench: object = None
    validation: object = None
    seconds: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The figures of the closing summary, each from a real step."""
        float_stage = self.compression.stage("float")
        int8_stage = self.compression.stage("int8")
        pruned = [s for s in self.compression.stages if s.name == "pruned"]
        bench, checked = self.bench, self.validation
        return {
            "board": self.board,
            "data": self.compression.dataset,
            "test_frames": self.compression.test_frames,
            "accuracy": {
                "float": float_stage.accuracy,
                "pruned": pruned[0].accuracy if pruned else None,
                "int8_host": int8_stage.accuracy,
                "on_board": checked.accuracy,
                "board_frames": checked.count,
            },
            "bit_exact": {"exact": checked.bit_exact, "compared": checked.compared, "max_lsb": checked.max_lsb},
            "macs": int8_stage.macs,
            "params": int8_stage.params,
            "sparsity": int8_stage.sparsity,
            "tflite_bytes": int8_stage.tflite_bytes,
            "latency": {
                "unit": bench.work_unit,
                "per_inference": bench.work.median if bench.work else None,
                "us_emulated_clock": bench.latency_us.median,
            },
            "macs_per_unit": bench.macs_per_unit,
            "peak_macs_per_cycle": bench.peak_macs_per_cycle,
            "arena_bytes": bench.arena_bytes,
            "flash_bytes": self.build.flash_used,
            "board_flash_bytes": self.build.flash_bytes,
            "ram_bytes": self.build.ram_used,
            "board_ram_bytes": self.build.ram_bytes,
            "energy_uj_estimate": bench.energy_uj,
            "energy_basis": bench.energy_basis,
            "seconds": self.seconds,
            "files": {
                "float_model": str(self.train.model_path),
                "int8_model": self.compression.files.get("int8_tflite"),
                "project": str(self.project.path),
            },
        }


def run_demo(
    out_dir: str | Path = DEFAULT_OUT_DIR,
    *,
    board: str = DEFAULT_BOARD,
    seed: int = 0,
    epochs: int | None = None,
    finetune_epochs: int = DEFAULT_FINETUNE_EPOCHS,
    sparsity: float = DEFAULT_SPARSITY,
    samples: int = DEFAULT_SAMPLES,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Run the whole pipeline into ``out_dir`` and return what every step produced."""
    from tinyvid.build import build_project
    from tinyvid.compress.pipeline import compress
    from tinyvid.data import load_dataset
    from tinyvid.harness.bench import bench
    from tinyvid.harness.session import open_board, validate_session
    from tinyvid.project import generate_project
    from tinyvid.train import train

    out_dir = check_output_dir(out_dir)  # a bad output folder: fail before training, not after
    result = DemoResult(out_dir=out_dir, board=board)

    def step(name: str, message: str):
        log(f"[{len(result.seconds) + 1}/5] {message}")
        return _Timer(result.seconds, name)

    with step("data+train", "training the default tiny CNN on the built-in synthetic video frames"):
        dataset = load_dataset("synthetic", seed=seed, progress=progress)
        train_kwargs = {"epochs": epochs} if epochs else {}
        result.train = train(dataset, seed=seed, out_dir=out_dir / "train", progress=progress, **train_kwargs)
    with step("compress", f"pruning {100 * sparsity:.0f}% of the weights, fine-tuning, int8 quantization"):
        result.compression = compress(result.train.model_path, dataset, sparsity=sparsity, seed=seed,
                                      epochs=finetune_epochs, out_dir=out_dir / "compress", progress=progress)
    int8_model = Path(result.compression.files["int8_tflite"])
    with step("project", f"generating the firmware project for {board}"):
        result.project = generate_project(int8_model, board, out_dir / "project", conversion="uint8")
    with step("build", "building the firmware"):
        result.build = build_project(result.project.path)
    with step("board", f"booting {board}, benchmarking and validating {samples} test frames over its serial port"):
        with open_board(project=result.project.path) as session:
            macs = session.manifest.get("macs")
            result.bench = bench(session.client, board=session.board, sizes=session.sizes,
                                 macs=int(macs) if macs else None, progress=progress)
            result.validation = validate_session(session, data="synthetic", samples=samples, progress=progress)
    (out_dir / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n")
    return result


class _Timer:
    def __init__(self, seconds: dict, name: str):
        self.seconds, self.name = seconds, name

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds[self.name] = round(time.monotonic() - self.start, 1)
        return False


def format_summary(summary: dict) -> str:
    """The closing summary as text a person can read."""

    def pct(value):
        return "n/a" if value is None else f"{100 * value:.1f}%"

    acc, lat, exact = summary["accuracy"], summary["latency"], summary["bit_exact"]
    unit = lat["unit"] or "timer ticks"
    lines = [
        f"tinyvid demo on {summary['board']} ({summary['data']} data)",
        "",
        f"  accuracy     float {pct(acc['float'])}   pruned {pct(acc['pruned'])}   int8 (host) {pct(acc['int8_host'])}"
        f"   on the board {pct(acc['on_board'])} ({acc['board_frames']} sampled test frames)",
        f"  exactness    {exact['exact']}/{exact['compared']} board outputs bit-exact with tflite-micro"
        f" (max difference {exact['max_lsb']} LSB)",
        f"  model        {summary['params']:,} parameters, {summary['macs']:,} MACs, sparsity {pct(summary['sparsity'])},"
        f" int8 .tflite {summary['tflite_bytes']:,} bytes",
    ]
    if lat["per_inference"] is not None:
        lines.append(f"  latency      {lat['per_inference']:,.0f} {unit} per inference (exact count under QEMU -icount;"
                     " not a cycle count)" if unit == "instructions" else
                     f"  latency      {lat['per_inference']:,.0f} {unit} per inference")
    if summary["macs_per_unit"] is not None:
        per = "instruction" if unit == "instructions" else "cycle"
        peak = summary["peak_macs_per_cycle"]
        lines.append(f"  efficiency   {summary['macs_per_unit']:.3f} MACs per {per}"
                     + (f" (core peak {peak} MACs per cycle)" if peak else ""))
    lines += [
        f"  memory       arena {summary['arena_bytes']:,} bytes; firmware flash {summary['flash_bytes']:,}"
        f" of {summary['board_flash_bytes']:,} bytes, RAM {summary['ram_bytes']:,} of {summary['board_ram_bytes']:,} bytes",
    ]
    if summary["energy_uj_estimate"] is not None:
        basis = summary["energy_basis"] or "estimate"
        lines.append(f"  energy       {summary['energy_uj_estimate']:,.1f} uJ per inference ({basis})")
    secs = summary["seconds"]
    lines += [
        f"  time         {sum(secs.values()):.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in secs.items())})",
        "",
        f"  float model  {summary['files']['float_model']}",
        f"  int8 model   {summary['files']['int8_model']}",
        f"  project      {summary['files']['project']}",
    ]
    return "\n".join(lines)
