"""The ``tinyvid`` command line: a thin layer over the library.

Each command parses its options and calls one library function. Errors a user can
cause are :class:`tinyvid.errors.TinyvidError`: printed as one line plus a hint,
exit code 2. ``--traceback`` shows the Python traceback as well.

Exit codes: 0 ok, 1 a regression was found (``bench``/``validate``/``regress``
budgets), 2 an error.
"""

from __future__ import annotations

import sys
import traceback

import click

from tinyvid import __version__
from tinyvid.errors import EXIT_ERROR, TinyvidError


class _Group(click.Group):
    """A click group that turns tinyvid errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TinyvidError as exc:
            if ctx.obj and ctx.obj.get("traceback"):
                traceback.print_exc()
            click.secho(f"error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tinyvid")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show the Python traceback of an error.")
@click.pass_context
def main(ctx: click.Context, show_traceback: bool) -> None:
    """tinyvid: train or import a small vision model, compress it to int8, emit C,
    build firmware for a board, and measure it on the board."""
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = show_traceback


def _register() -> None:
    from tinyvid.cli import codegen, compress, demo, firmware, harness, inspect, train

    for module in (train, compress, inspect, codegen, firmware, harness, demo):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
