"""Measure generated firmware on the boards that run here and print a table.

For each model x board: the firmware project is generated and built, the board is
booted (QEMU with ``-icount``, or the host process) and benched over its serial port
with the same code as ``tinyvid bench``. Printed per row: instructions (emulated
boards: an exact count, not cycles) or host timer ticks per inference, MACs per
instruction against the core's peak MACs per cycle, the model's arena, and the
firmware's flash and RAM use from the linker.

    python benchmarks/bench_boards.py                      # the MLPerf Tiny models on the default board
    python benchmarks/bench_boards.py --board qemu-mps2-an500 --board qemu-mps2-an505
    python benchmarks/bench_boards.py --model runs/demo/compress/model_int8.tflite --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
DEFAULT_MODELS = [MODELS / "vww_96_int8.tflite", MODELS / "resnet8_cifar10_int8.tflite"]


def measure(model: Path, board: str, work: Path, label: str | None = None) -> dict:
    from tinyvid.build import build_project
    from tinyvid.harness.bench import bench
    from tinyvid.harness.session import open_board
    from tinyvid.project import generate_project

    project = generate_project(model, board, work / f"{len(list(work.iterdir()))}-{model.stem}-{board}")
    built = build_project(project.path)
    with open_board(project=project.path) as session:
        result = bench(session.client, board=session.board, sizes=session.sizes,
                       macs=int(project.manifest["macs"]), windows=3, iterations=1, warmup=1)
    return {
        "model": label or model.name,
        "board": board,
        "kernels": project.manifest.get("kernels"),
        "macs": int(project.manifest["macs"]),
        "unit": result.work_unit or "us",
        "per_inference": result.work.median if result.work else result.latency_us.median,
        "macs_per_unit": result.macs_per_unit,
        "peak_macs_per_cycle": result.peak_macs_per_cycle,
        "arena_bytes": int(project.manifest["arena_bytes"]),
        "flash_used": built.flash_used,
        "ram_used": built.ram_used,
    }


def format_table(rows: list[dict]) -> str:
    head = ("model", "board", "MACs", "per inference", "unit", "MACs/unit", "peak MACs/cycle",
            "arena B", "flash B", "RAM B")
    body = [
        (r["model"], r["board"], f"{r['macs']:,}", f"{r['per_inference']:,.0f}", r["unit"],
         "-" if r["macs_per_unit"] is None else f"{r['macs_per_unit']:.3f}",
         "-" if r["peak_macs_per_cycle"] is None else f"{r['peak_macs_per_cycle']:g}",
         f"{r['arena_bytes']:,}", f"{r['flash_used']:,}", f"{r['ram_used']:,}")
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(lines)


def measure_all(models: list[Path], boards: list[str], prefix: str = "tinyvid-bench-") -> list[dict] | None:
    """``measure`` for every model x board (same-named models labelled by their folder);
    None after printing the first error."""
    from tinyvid.errors import TinyvidError

    names = [m.name for m in models]
    labels = [m.name if names.count(m.name) == 1 else f"{m.parent.name}/{m.name}" for m in models]
    rows = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for model, label in zip(models, labels):
            for board in boards:
                try:
                    rows.append(measure(model, board, Path(tmp), label))
                except TinyvidError as exc:
                    print(f"{model.name} on {board}: {exc.message}", file=sys.stderr)
                    return None
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=Path, help="int8 .tflite (repeatable)")
    parser.add_argument("--board", action="append", help="board name (repeatable; default qemu-mps2-an386)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    models = args.model or DEFAULT_MODELS
    missing = [str(m) for m in models if not m.is_file()]
    if missing:
        parser.error(f"no such model: {', '.join(missing)}")
    rows = measure_all(models, args.board or ["qemu-mps2-an386"])
    if rows is None:
        return 2
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
