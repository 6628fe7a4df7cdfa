"""CLI commands of the inspect stage (thin wrappers over the library)."""

from __future__ import annotations

import dataclasses
import json

import click


@click.command("inspect")
@click.argument("model", type=click.Path())
@click.option("--board", help="Also say whether the model fits this board (builds its firmware to know).")
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def inspect_command(model: str, board: str | None, as_json: bool) -> None:
    """Per-layer table of MODEL (.tflite, .keras, .h5 or a SavedModel folder): op, shapes, parameters,
    MACs, activation bytes, and totals; with --board, whether an int8 MODEL fits."""
    from tinyvid.build.fit import check_fit
    from tinyvid.model.inspect import format_table, inspect_model

    stats = inspect_model(model)
    fit = check_fit(model, board) if board else None
    if as_json:
        data = stats.to_dict()
        if fit is not None:
            data["fit"] = dataclasses.asdict(fit)
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(format_table(stats))
        if fit is not None:
            click.echo("\n" + _fit_line(fit))


def _fit_line(fit) -> str:
    if fit.fits:
        return (f"fits {fit.board}: flash {fit.flash_used:,} of {fit.flash_bytes:,} bytes "
                f"({100 * fit.flash_used / fit.flash_bytes:.1f}%), RAM {fit.ram_used:,} of {fit.ram_bytes:,} bytes "
                f"({100 * fit.ram_used / fit.ram_bytes:.1f}%), as linked")
    over = " and ".join(f"{region} by {count:,} bytes" for region, count in sorted((fit.overflow or {}).items()))
    return (f"does NOT fit {fit.board} ({fit.flash_bytes:,} bytes flash, {fit.ram_bytes:,} bytes RAM): "
            f"the linked firmware overflows {over or 'the board memory'}")


COMMANDS: list = [inspect_command]
