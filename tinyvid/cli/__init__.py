"""The ``tinyvid`` command line: a thin layer over the library.

Each command parses its options and calls one library function. Errors a user can
cause are :class:`tinyvid.errors.TinyvidError`: printed as one line plus a hint,
exit code 2. ``--traceback`` shows the Python traceback as well.

Exit codes: 0 ok, 1 a regression or mismatch (``verify``, ``bench``, ``validate``,
``regress``: :data:`tinyvid.cli.options.EXIT_ONE`), 2 an error.
"""

from __future__ import annotations

import json
import sys
import traceback

import click

from tinyvid import __version__
from tinyvid.errors import EXIT_ERROR, TinyvidError
from tinyvid.processes import interrupt_name, stop_on_signals


def error_json(kind: str, message: str, hint: str | None, partial: dict | None = None) -> str:
    """What a ``--json`` command prints on stdout when it fails: the error, and
    what was measured before it (``partial``), if anything."""
    data: dict = {"error": {"type": kind, "message": message, "hint": hint}}
    if partial is not None:
        data["partial"] = partial
    return json.dumps(data, indent=2, default=str)


class _Group(click.Group):
    """A click group that turns tinyvid errors into one line and exit code 2
    (and, for a command given ``--json``, a JSON error object on stdout); SIGTERM
    and SIGHUP stop a command as Ctrl-C does."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta["tinyvid.invoked"] = (name, command, list(rest))
        return name, command, rest

    def _wants_json(self, ctx: click.Context) -> bool:
        name, command, args = ctx.meta.get("tinyvid.invoked", (None, None, None))
        if command is None:
            return False
        try:
            return command.make_context(name, list(args), parent=ctx, resilient_parsing=True).params.get("as_json") is True
        except click.ClickException:
            return False

    def _fail(self, ctx: click.Context, kind: str, message: str, hint: str | None):
        click.secho(f"error: {message}", fg="red", err=True)
        if hint:
            click.echo(f"hint: {hint}", err=True)
        if self._wants_json(ctx):
            click.echo(error_json(kind, message, hint))
        ctx.exit(EXIT_ERROR)

    def invoke(self, ctx: click.Context):
        try:
            with stop_on_signals():
                return super().invoke(ctx)
        except TinyvidError as exc:
            if ctx.obj and ctx.obj.get("traceback"):
                traceback.print_exc()
            self._fail(ctx, type(exc).__name__, exc.message, exc.hint)
        except KeyboardInterrupt as exc:
            self._fail(ctx, "Interrupted", f"interrupted by {interrupt_name(exc)}", None)
        except OSError as exc:  # a file tinyvid could not read or write: one line, never a traceback
            if ctx.obj and ctx.obj.get("traceback"):
                traceback.print_exc()
            where = f": {exc.filename}" if exc.filename else ""
            self._fail(ctx, type(exc).__name__, f"{exc.strerror or exc}{where}",
                       "check the path, its permissions and the free space (--traceback shows where)")
        except click.ClickException as exc:  # a usage error: click prints it
            if self._wants_json(ctx):
                click.echo(error_json(type(exc).__name__, exc.format_message(), None))
            raise


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
    from tinyvid.cli import codegen, compress, demo, farm, firmware, harness, inspect, profile, stream, sweep, train
    from tinyvid.cli.options import exit_codes_epilog

    for module in (train, compress, inspect, codegen, firmware, harness, profile, stream, sweep, farm, demo):
        for command in module.COMMANDS:
            command.epilog = exit_codes_epilog(command.name)
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
