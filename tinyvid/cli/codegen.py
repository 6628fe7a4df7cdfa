"""CLI commands of the codegen stage (thin wrappers over the library)."""

from __future__ import annotations

import json

import click

from tinyvid.cli.options import SEED, output_option
from tinyvid.errors import EXIT_REGRESSION


@click.command("emit")
@click.argument("model", type=click.Path(dir_okay=False))
@output_option(required=True, help="Folder for the generated files.")
@click.option("--name", "prefix", default="model", show_default=True, help="C symbol and file prefix (a C identifier).")
@click.option("--runtime", type=click.Choice(["c", "tflm"]), default="c", show_default=True,
              help="c: self-contained C kernels; tflm: the model as a C array plus a TFLM op resolver and arena size.")
@click.option("--target", type=click.Choice(["c", "dsp", "mve"]), default="c", show_default=True,
              help="Kernels of the c runtime: c portable C99 (any core); dsp Cortex-M4/M7/M33 with DSP (SMLAD); "
                   "mve Cortex-M55 with Helium. `tinyvid project` picks it from the board's core.")
@click.option("--optimize", type=click.Choice(["speed", "size"]), default="speed", show_default=True,
              help="speed: weights pre-widened to int16 where the kernels gain from it (more flash); "
                   "size: int8 weights only (the least flash).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def emit_command(model: str, out_dir: str, prefix: str, runtime: str, target: str, optimize: str, as_json: bool) -> None:
    """Generate C for the int8 .tflite MODEL into a folder."""
    from tinyvid.codegen import emit

    r = emit(model, out_dir, prefix=prefix, runtime=runtime, target=target, optimize=optimize)
    if as_json:
        click.echo(json.dumps(r.to_dict(), indent=2))
        return
    click.echo(f"model:        {r.model} ({r.operators} operators: {', '.join(r.opcodes)})")
    kernels = f", {r.target} kernels" if r.runtime == "c" else ""
    click.echo(f"runtime:      {r.runtime}{kernels}, prefix '{r.prefix}', {len(r.files)} files in {r.out_dir}")
    tflm = f"{r.tflm_arena_bytes:,}" if r.tflm_arena_bytes is not None else "n/a"
    if r.runtime == "c":
        click.echo(f"arena (RAM):  {r.arena_bytes:,} bytes (TFLM needs {tflm} bytes)")
    else:
        click.echo(f"arena (RAM):  {r.arena_bytes:,} bytes for TFLM, margin included")
    ratio = f", {r.weights_bytes / r.tflite_bytes:.2f}x" if r.tflite_bytes else ""
    click.echo(f"weights:      {r.weights_bytes:,} bytes (flash; TFLM keeps the {r.tflite_bytes:,}-byte .tflite{ratio}), "
               f"{r.optimize} optimization")
    click.echo(f"MACs:         {r.macs:,}")
    for kind, infos in (("input", r.inputs), ("output", r.outputs)):
        for k, t in enumerate(infos):
            click.echo(f"{kind + ' ' + str(k) + ':':<14}{t.dtype} {t.shape} scale {t.scale:.9g} zero point {t.zero_point}")


@click.command("verify")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--samples", default=100, show_default=True, type=click.IntRange(0, 100000), help="Random inputs besides the two edge inputs.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the random inputs.")
@click.option("--target", type=click.Choice(["c", "dsp", "mve"]), default="c", show_default=True,
              help="Kernels to check (dsp and mve are built for the host with a C emulation of each instruction).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify_command(ctx: click.Context, model: str, samples: int, seed: int, target: str, as_json: bool) -> None:
    """Build the generated C under ASan+UBSan and compare every output byte with
    tflite-micro. Exit code 1 if any byte differs."""
    from tinyvid.codegen.verify import format_result, verify

    r = verify(model, samples=samples, seed=seed, target=target)
    click.echo(json.dumps(r.to_dict(), indent=2) if as_json else format_result(r))
    if not r.ok:
        ctx.exit(EXIT_REGRESSION)


COMMANDS: list = [emit_command, verify_command]
