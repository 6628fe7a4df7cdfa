"""Accuracy at every compression step on the built-in data: the numbers behind the README.

    python benchmarks/bench_compression.py               # everything (about 25 min on 2 cores)
    python benchmarks/bench_compression.py --model runs/train/model.keras   # skip training
    python benchmarks/bench_compression.py --json results.json

Trains the default model on the synthetic video set (unless ``--model`` is given),
compresses it three ways (50 % unstructured sparsity, half the channels removed by
structured pruning, 30 % of the channels removed), each followed by full-int8
quantization, and trains the default model on scikit-image's ``lfw_subset``. Prints
one table: held-out test accuracy, MACs and int8 ``.tflite`` bytes for each step, and
the change in points against the float model.

Accuracy is measured on the test split (clips never seen in training); with 675 test
frames from 225 clips one frame is 0.15 points, and clips make frames correlated, so
differences under about one point are within noise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tinyvid.compress import compress  # noqa: E402
from tinyvid.train import train  # noqa: E402

VARIANTS = (
    ("50% sparsity", {"sparsity": 0.5}),
    ("structured 50%", {"structured": 0.5}),
    ("structured 30%", {"structured": 0.3}),
)


def _row(step: str, stage: dict, float_accuracy: float, seconds: float) -> dict:
    return {
        "step": step,
        "stage": stage["name"],
        "accuracy": stage["accuracy"],
        "points_vs_float": 100 * (stage["accuracy"] - float_accuracy),
        "macs": stage["macs"],
        "tflite_bytes": stage["tflite_bytes"],
        "seconds": seconds,
    }


def run(model: Path | None, out_dir: Path, seed: int) -> list[dict]:
    rows = []
    if model is None:
        start = time.perf_counter()
        result = train("synthetic", seed=seed, out_dir=out_dir / "train", progress=False)
        model = result.model_path
        acc = result.metrics["test"]["accuracy"]
        rows.append({"step": "train tiny_cnn (synthetic)", "stage": "float", "accuracy": acc, "points_vs_float": 0.0,
                     "macs": None, "tflite_bytes": None, "seconds": time.perf_counter() - start})
    for name, options in VARIANTS:
        start = time.perf_counter()
        report = compress(model, "synthetic", seed=seed, out_dir=out_dir / name.replace(" ", "_").replace("%", ""),
                          progress=False, **options)
        seconds = time.perf_counter() - start
        stages = [s.to_dict() for s in report.stages]
        reference = stages[0]["accuracy"]
        rows += [_row(name, s, reference, seconds if s is stages[-1] else 0.0) for s in stages]
    start = time.perf_counter()
    lfw = train("lfw", seed=seed, out_dir=out_dir / "lfw", progress=False)
    rows.append({"step": "train tiny_cnn (lfw_subset)", "stage": "float", "accuracy": lfw.metrics["test"]["accuracy"],
                 "points_vs_float": 0.0, "macs": None, "tflite_bytes": None, "seconds": time.perf_counter() - start})
    return rows


def format_table(rows: list[dict]) -> str:
    head = ("step", "stage", "test acc", "pts vs float", "MACs", ".tflite bytes", "seconds")
    body = [
        (r["step"], r["stage"], f"{100 * r['accuracy']:.1f}%", f"{r['points_vs_float']:+.1f}",
         "-" if r["macs"] is None else f"{r['macs']:,}", "-" if r["tflite_bytes"] is None else f"{r['tflite_bytes']:,}",
         f"{r['seconds']:.0f}" if r["seconds"] else "")
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a trained .keras model (skips training the default)")
    parser.add_argument("--out-dir", type=Path, default=Path("runs/bench_compression"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.model is not None and not args.model.exists():
        parser.error(f"no such model: {args.model}")
    from tinyvid.errors import TinyvidError

    try:
        rows = run(args.model, args.out_dir, args.seed)
    except TinyvidError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
