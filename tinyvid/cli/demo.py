"""CLI command of the demo: the whole pipeline on the built-in default."""

from __future__ import annotations

import json

import click

from tinyvid.cli.options import SEED, json_flag, output_option
from tinyvid.demo import DEFAULT_BOARD, DEFAULT_OUT_DIR, DEFAULT_SAMPLES, format_summary, run_demo


@click.command()
@output_option(DEFAULT_OUT_DIR, help="Folder for every artefact.")
@click.option("--board", default=DEFAULT_BOARD, show_default=True, help="Board to run on (an emulated one or host).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the data, training and sampling.")
@click.option("--epochs", type=click.IntRange(1), default=None, help="Training epochs (default: the trainer's).")
@click.option("--samples", type=click.IntRange(1), default=DEFAULT_SAMPLES, show_default=True,
              help="Test frames validated on the board.")
@json_flag("the summary")
def demo(out_dir: str, board: str, seed: int, epochs: int | None, samples: int, as_json: bool) -> None:
    """Synthetic video -> train -> prune -> int8 -> firmware -> board -> bench and validate."""
    result = run_demo(out_dir, board=board, seed=seed, epochs=epochs, samples=samples,
                      log=lambda m: click.echo(m, err=as_json))
    summary = result.summary()
    click.echo(json.dumps(summary, indent=2) if as_json else "\n" + format_summary(summary))


COMMANDS: list = [demo]
