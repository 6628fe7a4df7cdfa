"""``tinyvid sweep``: a grid of model variants measured on a board (a thin wrapper over
tinyvid.sweep.run_sweep)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tinyvid.cli.options import POSITIVE, SEED, json_flag, output_option
from tinyvid.errors import EXIT_OK, EXIT_ERROR, EXIT_REGRESSION


@click.command("sweep")
@click.option("--grid", "grid_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A TOML file with a [grid] table (one list per axis) and optional [settings]; "
                   "axes given as options override it.")
@click.option("--resolution", help="Input sizes in pixels (square), e.g. 32,48. Default 48.")
@click.option("--width", help="Width multipliers (tiny_cnn/resnet8: x filters; mobilenet_v1: alpha), e.g. 0.5,1. Default 1.")
@click.option("--prune", help="Structured-pruning ratios (fraction of channels removed), e.g. 0,0.5. Default 0.")
@click.option("--sparsity", help="Unstructured sparsities (fraction of weights zeroed), e.g. 0,0.5. Default 0.")
@click.option("--gate", help="Motion gate on the board while streaming: on, off or on,off. Default on.")
@click.option("--board", help="The board every point is built for and measured on, and the recommendation "
                              "must fit [default: qemu-mps2-an386].")
@click.option("--data", help="Training data (synthetic, lfw or a folder of class folders) [default: synthetic].")
@click.option("--arch", help="Architecture: tiny_cnn, resnet8 or mobilenet_v1 [default: tiny_cnn].")
@click.option("--channels", type=click.Choice(["1", "3"]), help="Input channels (default: the data set's).")
@click.option("--clips-per-class", type=click.IntRange(3), help="Size of the synthetic set (default 500).")
@click.option("--seed", type=SEED, help="Seed of data, training and stream [default: 0].")
@click.option("--epochs", type=click.IntRange(1), help="Training epochs per resolution x width [default: 10].")
@click.option("--finetune-epochs", type=click.IntRange(1), help="Fine-tuning epochs after pruning [default: 3].")
@click.option("--stream-frames", type=click.IntRange(1), help="Frames of the synthetic clip streamed per point [default: 300].")
@click.option("--max-latency-ms", type=POSITIVE, help="Budget: one inference on the board, in ms at its clock.")
@click.option("--max-energy-uj", type=POSITIVE, help="Budget: energy per streamed frame, uJ (estimate).")
@click.option("--max-arena", type=click.IntRange(1), help="Budget: arena bytes.")
@click.option("--max-flash", type=click.IntRange(1), help="Budget: firmware flash bytes.")
@click.option("--min-accuracy", type=click.FloatRange(0, 1), help="Budget: least accuracy (0..1).")
@click.option("--cost", type=click.Choice(["energy", "instructions"]), default="energy", show_default=True,
              help="The cost axis of the Pareto front (per frame of the stream).")
@output_option("runs/sweep", help="Folder for every stage (the cache: a rerun skips what is done) and "
                                  "sweep.json, sweep.csv, sweep.png.")
@json_flag("the sweep (points, Pareto front, recommendation)")
def sweep_cmd(grid_file, resolution, width, prune, sparsity, gate, board, data, arch, channels, clips_per_class,
              seed, epochs, finetune_epochs, stream_frames, max_latency_ms, max_energy_uj, max_arena, max_flash,
              min_accuracy, cost, out_dir, as_json):
    """Train, compress, build and measure every point of a grid over input resolution,
    width, structured pruning, sparsity and the motion gate on --board; print the
    points and their Pareto front, and recommend the most accurate point that fits the
    board and the budget (--max-latency-ms, --max-energy-uj, --max-arena, --max-flash,
    --min-accuracy). Points of one resolution and width share one
    training; every stage is cached under --output, so an interrupted sweep resumes.

    Exit code 1: no point fits the board within the budget.
    """
    from tinyvid.errors import UsageError
    from tinyvid.sweep import Budget, Settings, load_grid, make_grid, run_sweep
    from tinyvid.sweep.report import format_result

    axes = {"resolution": resolution, "width": width, "prune": prune, "sparsity": sparsity, "gate": gate}
    grid = load_grid(grid_file, **axes) if grid_file else make_grid(**axes)
    given = {"board": board, "data": data, "arch": arch, "channels": int(channels) if channels else None,
             "clips_per_class": clips_per_class, "seed": seed, "epochs": epochs, "finetune_epochs": finetune_epochs,
             "stream_frames": stream_frames}
    unknown = sorted(set(grid.settings) - set(Settings.__dataclass_fields__))
    if unknown:
        raise UsageError(f"{grid_file}: unknown setting {', '.join(unknown)}",
                         f"[settings] takes: {', '.join(Settings.__dataclass_fields__)}")
    settings = Settings(**{**grid.settings, **{k: v for k, v in given.items() if v is not None}})
    budget = Budget(max_latency_ms=max_latency_ms, max_energy_uj=max_energy_uj, max_arena_bytes=max_arena,
                    max_flash_bytes=max_flash, min_accuracy=min_accuracy)
    result = run_sweep(grid, settings, out_dir=out_dir, budget=budget, cost=cost,
                       log=lambda text: click.echo(text, err=True))
    click.echo(json.dumps(result.to_dict(), indent=2, default=str) if as_json else format_result(result))
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if result.recommendation.point else EXIT_REGRESSION)


COMMANDS = [sweep_cmd]
