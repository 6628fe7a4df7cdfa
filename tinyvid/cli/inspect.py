"""CLI commands of the inspect stage (thin wrappers over the library)."""

from __future__ import annotations

import json

import click


@click.command("inspect")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
# A later issue adds `--board NAME` here: whether the model fits the board's flash and RAM.
def inspect_command(model: str, as_json: bool) -> None:
    """Per-layer table of MODEL (.tflite, .keras or .h5): op, shapes, parameters,
    MACs, activation bytes, and totals."""
    from tinyvid.model.inspect import format_table, inspect_model

    stats = inspect_model(model)
    if as_json:
        click.echo(json.dumps(stats.to_dict(), indent=2))
    else:
        click.echo(format_table(stats))


COMMANDS: list = [inspect_command]
