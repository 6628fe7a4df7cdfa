"""CLI commands of the harness stage (thin wrappers over the library)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tinyvid.cli.options import (POSITIVE, HiddenArgument, PortURL, jobs_option, json_flag, output_file_option,
                                 place_options)
from tinyvid.cli.options import power_option
from tinyvid.errors import EXIT_ERROR, EXIT_OK, EXIT_REGRESSION

_PORT_HELP = ("Serial port URL: /dev/ttyACM0, socket://HOST:PORT, rfc2217://HOST:PORT, loop://, "
              "exec:PATH (host-board binary) or 'auto' (find --board by its USB id).")


def _target_options(command):
    """--port URL, --project DIR or --place NAME: where the board is."""
    command = place_options(command)
    command = click.option("--project", type=click.Path(file_okay=False, path_type=Path),
                           help="A generated project: built if needed, its emulated board launched and shut down.")(command)
    return click.option("--port", type=PortURL(), help=_PORT_HELP)(command)


def _session_options(command):
    """Timeouts of the serial session and the optional byte log."""
    command = output_file_option("--log-session", dest="record",
                                 help="Record every byte exchanged with the board to this file (hex dump, replayable).")(command)
    command = click.option("--line-timeout", type=click.FloatRange(0.1), default=5.0, show_default=True,
                           help="Seconds to wait for each line of any other reply.")(command)
    return click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True,
                        help="Seconds to wait for each line of an inference's reply.")(command)


def _target(port, project, place=None):
    if (port is not None) + (project is not None and place is None) + (place is not None) != 1:
        raise click.UsageError("give exactly one of --port URL, --project DIR or --place NAME "
                               "(with --place, --project DIR is flashed onto it)")


def _budgets(ctx, param, values) -> dict[str, float]:
    from tinyvid.harness.suite import METRICS

    budgets = {}
    for item in values:
        key, sep, value = item.partition("=")
        try:
            if not sep or key not in METRICS:
                raise ValueError
            budgets[key] = float(value)
        except ValueError:
            raise click.BadParameter(f"'{item}': use METRIC=NUMBER, METRIC one of {', '.join(METRICS)}") from None
    return budgets


def _budget_option(example: str):
    return click.option("--budget", "budgets", multiple=True, callback=_budgets, metavar="METRIC=NUMBER",
                        help=f"Exit 1 if a figure breaks this limit (a maximum for costs, a minimum for "
                             f"accuracy, bit_exact, top1_agreement), e.g. {example}. Repeatable.")


def _finish(ctx, command: str, result, text: str, kept: str, as_json: bool, budgets: dict) -> None:
    """Print a bench or validate result, kept even when the run stopped early, and
    its verdict: exit 2 when the run stopped early or a budget names a metric this
    run does not report (with --json: an error object, the result as "partial"),
    exit 1 when a budget is broken."""
    from tinyvid.cli import error_json
    from tinyvid.errors import UnmeasuredBudget
    from tinyvid.harness.regress import check_budget
    from tinyvid.harness.reporters import to_json

    error, findings = None, []
    if result.error:
        error = (result.error_type or "RunStopped", f"the run stopped early: {result.error}",
                 f"the {kept} measured before it are kept above")
    elif budgets:
        try:
            findings = check_budget(result.metrics(), budgets, where=f"{command} on {result.board or 'this board'}",
                                    hint="leave out that --budget, or budget one of the metrics it reports")
        except UnmeasuredBudget as exc:
            error = (type(exc).__name__, exc.message, exc.hint)
    if as_json:
        click.echo(error_json(*error, partial=result.to_dict()) if error else to_json(result))
    else:
        click.echo(text)
    for finding in findings:
        click.echo(("ok         " if finding.passed else "REGRESSION ") + finding.describe(), err=True)
    if error:
        click.secho(f"error: {error[1]}", fg="red", err=True)
        click.echo(f"hint: {error[2]}", err=True)
        ctx.exit(EXIT_ERROR)
    if any(not f.passed for f in findings):
        ctx.exit(EXIT_REGRESSION)


@click.command("bench")
@_target_options
@power_option
@click.option("--board", help="Board name (timer, power profile, peak MACs); defaults to the project's.")
@click.option("--windows", type=click.IntRange(1, 1000), default=5, show_default=True, help="Timed windows.")
@click.option("--iterations", type=click.IntRange(1), help="Inferences per window (default: ~1 s windows).")
@click.option("--warmup", type=click.IntRange(0), default=1, show_default=True, help="Untimed inferences per window.")
@_session_options
@_budget_option("--budget latency_us=50000")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def bench_command(ctx, port, project, place, place_wait, power, board, windows, iterations, warmup, timeout,
                  line_timeout, record, budgets, as_json):
    """Measure latency, cycles or instructions, MACs per cycle, memory and an energy
    estimate of the model on a board."""
    from tinyvid.harness.reporters import bench_text
    from tinyvid.harness.session import bench_board

    from tinyvid.farm import place_port

    _target(port, project, place)
    with place_port(place, wait=place_wait, port=port, project=project) as port:
        result = bench_board(port=port, project=None if place else project, board=board, windows=windows,
                             iterations=iterations,
                             warmup=warmup, progress=not as_json and sys.stderr.isatty(), infer_timeout=timeout,
                             line_timeout=line_timeout, record=record, power=power)
    _finish(ctx, "bench", result, bench_text(result), f"{len(result.windows)} of {result.requested_windows} windows",
            as_json, budgets)


@click.command("validate")
@_target_options
@click.option("--board", help="Board name; defaults to the project's.")
@click.option("--data", default="synthetic", show_default=True,
              help="synthetic, lfw, synthetic-objects (a detector's test scenes), a folder of raw input files "
                   "(.bin + labels.csv) or of class subfolders.")
@click.option("--fps", type=POSITIVE, default=None, help="Frames sampled per second of video [2].")
@click.option("--samples", type=click.IntRange(1), default=20, show_default=True, help="Inputs to run.")
@click.option("--model", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The int8 .tflite for the host reference (default: the project's model).")
@click.option("--no-reference", is_flag=True,
              help="No host reference: score accuracy only (without it, nothing to compare with is an error).")
@click.option("--per-input", is_flag=True, help="Also list every input's result, named by file (and frame).")
@_session_options
@_budget_option("--budget bit_exact=1.0")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def validate_command(ctx, port, project, place, place_wait, board, data, fps, samples, model, no_reference, per_input, timeout,
                     line_timeout, record, budgets, as_json):
    """Run inputs through the board and compare each output with tflite-micro on
    the host: bit-exact count, max LSB difference, top-1 agreement, accuracy."""
    from tinyvid.harness.reporters import validate_text
    from tinyvid.harness.session import validate_board

    from tinyvid.farm import place_port

    _target(port, project, place)
    with place_port(place, wait=place_wait, port=port, project=project) as port:
        result = validate_board(port=port, project=None if place else project, board=board, data=data, fps=fps,
                                samples=samples,
                                model=model, reference=not no_reference,
                                progress=not as_json and sys.stderr.isatty(), record=record,
                                infer_timeout=timeout, line_timeout=line_timeout)
    code = EXIT_OK
    try:
        _finish(ctx, "validate", result, validate_text(result, per_sample=per_input),
                f"{result.count} of {result.requested} results", as_json, budgets)
    except click.exceptions.Exit as exit_:
        code = exit_.exit_code
    if code != EXIT_ERROR and result.differing:  # the last line: a board computing something else fails
        click.secho(f"MISMATCH   {result.differing} of {result.compared} outputs differ from tflite-micro "
                    f"(max {result.max_lsb} LSB)" + ("" if per_input else "; --per-input lists them"),
                    fg="red", err=True)
        code = EXIT_REGRESSION
    elif code == EXIT_OK and result.compared and not as_json:
        click.echo(f"ok         all {result.compared} outputs bit-exact with tflite-micro", err=True)
    ctx.exit(code)


@click.command("regress")
@power_option
@click.argument("suite_file", metavar="SUITE.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("legacy_json_path", cls=HiddenArgument, required=False, type=click.Path(dir_okay=False, path_type=Path))
@output_file_option("--junit", help="Write JUnit XML here.")
@output_file_option("--json-file", dest="json_path", hidden_aliases=("--report",), help="Write the JSON report here.")
@json_flag("the report", " on stdout (the progress and the table go to stderr)")
@click.option("--update-baseline", is_flag=True, help="Rewrite the suite's baseline with this run's figures.")
@jobs_option
@place_options
@click.pass_context
def regress_command(ctx, power, suite_file, legacy_json_path, junit, json_path, as_json, update_baseline, jobs, place,
                    place_wait):
    """Run a regression suite (models x boards x data with budgets and a baseline).

    Each case is generated, built, launched, benched and validated; a figure that
    breaks its budget or drifts from the baseline beyond its tolerance is a
    regression. Exit 0 when everything passed, 1 on any regression, 2 on an error.
    A minimal suite (the full format: examples/suite.toml):

    \b
        version = 1
        baseline = "baseline.json"
        [tolerances]
        latency_us = 0.05        # relative drift allowed from the baseline
        [[case]]
        name = "vww"
        model = "vww_96_int8.tflite"
        boards = ["qemu-mps2-an386", "host"]
        samples = 8
        [case.budget]
        bit_exact = 1.0          # minimum for accuracy, bit_exact, top1_agreement
        arena_bytes = 204800     # maximum for latency_us, instructions, cycles,
                                 # energy_uj, arena_bytes, flash_bytes, ram_bytes
    """
    from tinyvid.harness.regress import regress
    from tinyvid.harness.reporters import to_json
    from tinyvid.paths import check_output_file

    if legacy_json_path is not None:  # the old spelling `--json FILE`: still writes FILE
        if not as_json or json_path is not None:
            raise click.UsageError(f"unexpected argument '{legacy_json_path}'")
        click.echo(f"note: `--json FILE` is now `--json-file FILE`; writing {legacy_json_path}", err=True)
        json_path = check_output_file(legacy_json_path, hint="choose another file for --json-file")
        as_json = False
    outcome = regress(suite_file, junit=junit, json_path=json_path, update_baseline=update_baseline, jobs=jobs,
                      place=place, place_wait=place_wait, power=power, echo=lambda line: click.echo(line, err=as_json))
    if as_json:
        click.echo(to_json(outcome))
    ctx.exit(outcome.exit_code)


COMMANDS: list = [bench_command, validate_command, regress_command]
