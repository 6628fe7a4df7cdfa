"""``tinyvid profile``: the cost of every operator, measured on the board (a thin wrapper)."""

from __future__ import annotations

from pathlib import Path

import click

from tinyvid.cli.harness import _session_options, _target, _target_options


@click.command("profile")
@_target_options
@click.option("--board", help="Board name (timer, peak MACs); defaults to the project's.")
@click.option("--model", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The int8 .tflite the firmware runs (default: the project's model).")
@click.option("--compare", "compare", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A per-layer TSV to put beside each operator: another run's (--tsv) or the peer's "
                   "(columns model, cpu, variant, layer, op, instructions, macs).")
@click.option("--compare-variant", help="The variant of --compare to use (default: its fastest for this model).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a bar chart of the cost per operator to this PNG.")
@click.option("--tsv", "tsv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write this run's rows as a per-layer TSV (for a later --compare).")
@_session_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def profile_command(port, project, place, place_wait, board, model, compare, compare_variant, plot_path, tsv_path, timeout,
                    line_timeout, record, as_json):
    """Time every operator of one inference on the board: one row per operator with
    its shapes, MACs, instructions (emulated boards) or cycles, MACs per instruction
    and share of the total; the rows add up to what `tinyvid bench` measures.

    Exit codes: 0 ok, 2 an error."""
    from tinyvid.harness.profile import apply_compare, format_table, plot, profile_board, to_json, write_tsv

    from tinyvid.farm import place_port

    _target(port, project, place)
    with place_port(place, wait=place_wait, port=port, project=project) as port:
        result = profile_board(port=port, project=None if place else project, board=board, model=model,
                               line_timeout=line_timeout,
                               infer_timeout=timeout, record=record)
    if compare is not None:
        apply_compare(result, compare, compare_variant)
    if plot_path is not None:
        plot(result, plot_path)
    if tsv_path is not None:
        write_tsv(result, tsv_path)
    click.echo(to_json(result) if as_json else format_table(result))


COMMANDS: list = [profile_command]
