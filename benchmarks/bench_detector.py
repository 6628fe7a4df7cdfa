"""The FOMO-style detector on the synthetic object scenes: centroid F1 of the float,
pruned and int8 models, MACs, arena, and the int8 model on qemu-mps2-an386.

    python benchmarks/bench_detector.py                   # seed 0 (about 15 min on 2 busy cores)
    python benchmarks/bench_detector.py --seeds 0 1 2 --json detector.json
    python benchmarks/bench_detector.py --model runs/train/model.keras   # skip training

For each seed: ``tinyvid train --arch fomo`` (3,000 synthetic 96x96 grey scenes, 0-3
people or vehicles each, 2,100 / 450 / 450 frames), ``tinyvid compress --sparsity
0.5 --epochs 3`` (float, 50%-pruned and int8 stages, scored on the 450 held-out test scenes),
then ``project -> build -> validate`` of the int8 model on qemu-mps2-an386 with
``--board-frames`` test scenes: the centroids the board decodes must be the host's.
A centroid counts as found within 1.5 cells (12 px) of an object of its class.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tinyvid.compress import compress  # noqa: E402
from tinyvid.train import train  # noqa: E402

BOARD = "qemu-mps2-an386"


def on_board(int8_model: Path, data, out_dir: Path, frames: int) -> dict:
    """project -> build -> validate on the emulated board with test scenes."""
    from tinyvid.build import build_project
    from tinyvid.data.dataset import Split
    from tinyvid.data.export import export_raw
    from tinyvid.harness.session import validate_board
    from tinyvid.project import generate_project

    folder = export_raw(Split(data.test.x[:frames], np.zeros(frames, np.int64), np.arange(frames)),
                        out_dir / "frames", limit=frames)
    project = generate_project(int8_model, BOARD, out_dir / "project")
    build_project(project.path)
    result = validate_board(project=project.path, data=str(folder), samples=frames)
    found = sum(int(s.board_detections.split(";")[0]) for s in result.samples if s.board_detections)
    return {"arena_bytes": project.manifest["arena_bytes"], "board_frames": result.count,
            "bit_exact": result.bit_exact, "detections_equal": result.detections_equal,
            "detections_compared": result.detections_compared, "board_objects_found": found}


def run(seed: int, model: Path | None, out_dir: Path, epochs: int | None, prune_epochs: int, board_frames: int) -> list[dict]:
    start = time.perf_counter()
    if model is None:
        result = train("synthetic", "fomo", seed=seed, out_dir=out_dir / "train", progress=False,
                       **({"epochs": epochs} if epochs else {}))
        model = result.model_path
    trained = time.perf_counter() - start
    report = compress(model, None, sparsity=0.5, epochs=prune_epochs, seed=seed, out_dir=out_dir / "compress",
                      progress=False)
    compressed = time.perf_counter() - start - trained
    board = {}
    if board_frames:
        from tinyvid.data.objects import load_objects

        record = json.loads((Path(model).parent / "model.json").read_text())
        data = load_objects("synthetic", seed=int(record["data"]["details"]["seed"]),
                            frames=record["data"]["details"]["frames"])
        board = on_board(Path(report.files["int8_tflite"]), data, out_dir, board_frames)
    rows = []
    for s in report.stages:
        d = s.detection
        rows.append({"seed": seed, "stage": s.name, "f1": d["f1"], "precision": d["precision"], "recall": d["recall"],
                     "count_error": d["count_error"], "macs": s.macs, "sparsity": s.sparsity,
                     "tflite_bytes": s.tflite_bytes, "train_s": round(trained), "compress_s": round(compressed),
                     **(board if s.name == "int8" else {})})
    return rows


def format_table(rows: list[dict]) -> str:
    head = ("seed", "stage", "F1", "precision", "recall", "count err", "MACs", "sparsity", "arena", "board == host")
    body = []
    for r in rows:
        board = (f"{r['detections_equal']}/{r['detections_compared']} frames ({r['board_objects_found']} found)"
                 if "detections_compared" in r else "-")
        body.append((str(r["seed"]), r["stage"], f"{100 * r['f1']:.1f}%", f"{100 * r['precision']:.1f}%",
                     f"{100 * r['recall']:.1f}%", f"{r['count_error']:.3f}", f"{r['macs']:,}",
                     f"{100 * r['sparsity']:.1f}%", f"{r['arena_bytes']:,}" if "arena_bytes" in r else "-", board))
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--model", type=Path, default=None, help="a trained fomo model.keras (skips training)")
    ap.add_argument("--epochs", type=int, default=None, help="training epochs [tinyvid train's default, 30]")
    ap.add_argument("--prune-epochs", type=int, default=3, help="fine-tuning epochs of the 50%% pruning")
    ap.add_argument("--board-frames", type=int, default=20, help="test scenes validated on the board (0: none)")
    ap.add_argument("--out", type=Path, default=REPO / "runs" / "bench_detector")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        rows += run(seed, args.model, args.out / f"seed{seed}", args.epochs, args.prune_epochs, args.board_frames)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n")
    print(format_table(rows))


if __name__ == "__main__":
    main()
