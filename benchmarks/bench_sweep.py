"""The sweep's acceptance run, timed: a grid of >= 9 points trained, compressed, built
and streamed on qemu-netduinoplus2, with the wall and CPU time it took and whether the
recommended model fits and streamed on the board.

    python benchmarks/bench_sweep.py                    # 16 points into runs/bench_sweep
    python benchmarks/bench_sweep.py -o DIR --sparsity 0,0.5

A second run over the same folder measures nothing (every stage comes from the
cache): delete the folder to time a sweep from scratch. CPU time is this process
and its children (training, the compiler, QEMU).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

LIMIT_S = 30 * 60


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="runs/bench_sweep")
    parser.add_argument("--board", default="qemu-netduinoplus2")
    parser.add_argument("--resolution", default="32,48")
    parser.add_argument("--width", default="0.5,1")
    parser.add_argument("--prune", default="0,0.5")
    parser.add_argument("--sparsity", default="0")
    parser.add_argument("--gate", default="on,off")
    args = parser.parse_args(argv)

    from tinyvid.errors import TinyvidError
    from tinyvid.sweep import Settings, make_grid, run_sweep
    from tinyvid.sweep.report import format_result

    try:
        grid = make_grid(resolution=args.resolution, width=args.width, prune=args.prune, sparsity=args.sparsity,
                         gate=args.gate)
        start_wall, start_cpu = time.monotonic(), _cpu_s()
        result = run_sweep(grid, Settings(board=args.board), out_dir=args.output,
                           log=lambda line: print(line, file=sys.stderr))
    except TinyvidError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    wall, cpu = time.monotonic() - start_wall, _cpu_s() - start_cpu
    print(format_result(result))
    p = result.recommendation.point
    streamed = bool(p) and p["frames_lost"] == 0 and p["bit_exact_frames"] == p["frames_inferred"] > 0
    rows = [("points", f"{len(result.records)} ({result.measured} measured in this run, "
                       f"{len(result.errors)} failed)"),
            ("wall", f"{wall:.0f} s (limit {LIMIT_S} s): {'ok' if wall <= LIMIT_S else 'OVER'}"),
            ("CPU", f"{cpu:.0f} s (this process and its children)"),
            ("recommended", p["label"] if p else "none"),
            ("fits", f"{args.board}: {'yes' if p else 'no'}"),
            ("streams", "yes: no frame lost, every inferred frame bit-exact" if streamed else "no")]
    print()
    for name, value in rows:
        print(f"{name:<12} {value}")
    ok = len(result.records) >= 9 and wall <= LIMIT_S and streamed and not result.errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
