"""Code generator numbers per model: operators, MACs, arena (tinyvid vs TFLM), weights
flash, and host instructions per inference of the generated C (valgrind, if installed).

    python benchmarks/bench_codegen.py                    # the MLPerf Tiny models
    python benchmarks/bench_codegen.py --model my_int8.tflite --json

Instructions per inference are counted by callgrind on a -O2 host build: the count
of a run with two inferences minus that of a run with one, so start-up is excluded.
They are x86-64 instructions, a proxy for the relative cost of the kernels, not
microcontroller cycles (see benchmarks/bench_boards.py for those).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
DEFAULT_MODELS = [MODELS / "vww_96_int8.tflite", MODELS / "resnet8_cifar10_int8.tflite"]

MAIN = r"""
#include <stdlib.h>
#include <string.h>
#include "bench.h"
int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 1;
    int i;
    memset(bench_input(0), 0, BENCH_INPUT_0_BYTES);
    for (i = 0; i < runs; ++i) {
        if (bench_invoke() != 0) {
            return 1;
        }
    }
    return 0;
}
"""


def instructions(exe: Path, runs: int) -> int | None:
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(exe), str(runs)],
        capture_output=True, text=True, timeout=1800,
    )
    match = re.search(r"Collected\s*:\s*(\d+)", proc.stderr)
    return int(match.group(1)) if match and proc.returncode == 0 else None


def measure(model: Path, work: Path, count_instructions: bool) -> dict:
    from tinyvid.codegen import emit
    from tinyvid.codegen.hostbuild import build

    out = work / model.stem
    r = emit(model, out, prefix="bench")
    row = {
        "model": model.name,
        "operators": r.operators,
        "ops": ",".join(r.opcodes),
        "macs": r.macs,
        "arena_bytes": r.arena_bytes,
        "tflm_arena_bytes": r.tflm_arena_bytes,
        "weights_bytes": r.weights_bytes,
        "instructions_per_inference": None,
    }
    if count_instructions and shutil.which("valgrind"):
        main_c = work / f"{model.stem}_main.c"
        main_c.write_text(MAIN)
        exe = build(out, [main_c], work / f"{model.stem}_bench", sanitize=False, opt="-O2")
        one, two = instructions(exe, 1), instructions(exe, 2)
        if one is not None and two is not None:
            row["instructions_per_inference"] = two - one
    return row


def table(rows: list[dict]) -> str:
    head = ["model", "ops", "MACs", "arena", "TFLM arena", "saved", "weights", "instr/inf", "MAC/instr"]
    lines = []
    for r in rows:
        tflm = r["tflm_arena_bytes"]
        saved = f"{100 * (1 - r['arena_bytes'] / tflm):.0f}%" if tflm else "n/a"
        ins = r["instructions_per_inference"]
        lines.append([r["model"], str(r["operators"]), f"{r['macs']:,}", f"{r['arena_bytes']:,}",
                      f"{tflm:,}" if tflm else "n/a", saved, f"{r['weights_bytes']:,}",
                      f"{ins:,}" if ins else "n/a", f"{r['macs'] / ins:.3f}" if ins else "n/a"])
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, lines)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", type=Path, help="an int8 .tflite (repeatable); default: the MLPerf Tiny models")
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    parser.add_argument("--no-instructions", action="store_true", help="skip the valgrind instruction count")
    args = parser.parse_args(argv)
    models = args.model or DEFAULT_MODELS
    missing = [str(m) for m in models if not m.is_file()]
    if missing:
        parser.error(f"no such model: {', '.join(missing)}")
    from tinyvid.errors import TinyvidError

    rows = []
    with tempfile.TemporaryDirectory(prefix="tinyvid-bench-codegen-") as tmp:
        for model in models:
            try:
                rows.append(measure(model, Path(tmp), not args.no_instructions))
            except TinyvidError as exc:
                print(f"{model.name}: {exc.message}", file=sys.stderr)
                return 2
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
