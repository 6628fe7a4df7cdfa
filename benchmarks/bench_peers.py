"""tinyvid against TFLM + CMSIS-NN: instructions, arena and flash per model and board.

For every model (default: the reference models in models/) on every emulated board
(default: qemu-mps2-an386, -an500, -an505 and qemu-mps3-an547 when its board file
exists), the firmware project is generated (the board's core picks the kernels),
built, booted under QEMU with -icount and benched; each row is set beside the peer's
figures from benchmarks/peers/tflm-cmsis-nn-m4.tsv (TFLM + CMSIS-NN on the Cortex-M4F
of qemu-mps2-an386, see its README). Printed per row: instructions per inference (an
exact count, not cycles), MACs per instruction, tinyvid's arena and firmware flash,
the peer's, and the three ratios (tinyvid / peer; lower is better). The peer was
measured on the M4 only: rows of other boards compare with the same M4 figures.

    python benchmarks/bench_peers.py
    python benchmarks/bench_peers.py --board qemu-mps2-an386 --model runs/demo/compress/model_int8.tflite
    python benchmarks/bench_peers.py --json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_boards import DEFAULT_MODELS, measure_all  # noqa: E402

PEER_FILE = REPO / "benchmarks" / "peers" / "tflm-cmsis-nn-m4.tsv"
BOARDS = ["qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps2-an505", "qemu-mps3-an547"]


def peer_rows(path: Path = PEER_FILE, variant: str = "cmsis_nn") -> dict[str, dict]:
    """The peer's whole-model figures by model stem."""
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        return {Path(r["model"]).stem: r for r in csv.DictReader(f, delimiter="\t") if r["variant"] == variant}


def compare(row: dict, peer: dict | None) -> dict:
    out = dict(row)
    for key, peer_key in (("per_inference", "instructions"), ("arena_bytes", "arena_used"), ("flash_used", "flash")):
        value = float(peer[peer_key]) if peer and peer.get(peer_key) else None
        out[f"peer_{key}"] = value
        out[f"ratio_{key}"] = row[key] / value if value and row[key] is not None else None
    return out


def _num(v, fmt="{:,.0f}") -> str:
    return "-" if v is None else fmt.format(v)


def format_table(rows: list[dict]) -> str:
    head = ("model", "board", "kernels", "instructions", "MACs/instr", "peer instr", "ratio",
            "arena B", "peer arena", "ratio", "flash B", "peer flash", "ratio")
    body = [(r["model"], r["board"], r.get("kernels") or "-", _num(r["per_inference"]),
             _num(r["macs_per_unit"], "{:.3f}"), _num(r["peer_per_inference"]), _num(r["ratio_per_inference"], "{:.2f}"),
             _num(r["arena_bytes"]), _num(r["peer_arena_bytes"]), _num(r["ratio_arena_bytes"], "{:.2f}"),
             _num(r["flash_used"]), _num(r["peer_flash_used"]), _num(r["ratio_flash_used"], "{:.2f}")) for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    lines = ["  ".join(str(c).rjust(w) if i > 2 else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in [head] + body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("instructions: exact counts under QEMU -icount (not cycles); peer: TFLM + CMSIS-NN on qemu-mps2-an386 "
                 f"({PEER_FILE.relative_to(REPO)}); ratio = tinyvid / peer")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=Path, help="int8 .tflite (repeatable; default: models/*.tflite)")
    parser.add_argument("--board", action="append", help="board name (repeatable; default: the four emulated boards)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    from tinyvid.boards import load_board
    from tinyvid.errors import TinyvidError

    models = args.model or DEFAULT_MODELS
    missing = [str(m) for m in models if not m.is_file()]
    if missing:
        parser.error(f"no such model: {', '.join(missing)}")
    boards = args.board or BOARDS
    known = []
    for name in boards:
        try:
            load_board(name)
            known.append(name)
        except TinyvidError as exc:
            if args.board:
                parser.error(exc.message)
            print(f"skipping {name}: {exc.message}", file=sys.stderr)
    peers = peer_rows()
    measured = measure_all(models, known, prefix="tinyvid-peers-")
    if measured is None:
        return 2
    rows = [compare(row, peers.get(Path(row["model"]).stem)) for row in measured]
    print(json.dumps(rows, indent=2) if args.json else format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
