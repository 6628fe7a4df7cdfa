"""Option spellings and parameter types shared by every command.

One spelling per concept: ``-o/--output`` for the output folder (``--out`` still
works, hidden), ``--json`` a flag that prints JSON on stdout, ``--port`` a serial
port URL. Numbers are range-checked by click before any work starts.
"""

from __future__ import annotations

from pathlib import Path

import click

#: What exit code 1 means for the commands that can report it; every other command
#: exits 0 or 2. Shown at the end of each command's ``--help`` and in the README.
EXIT_ONE = {
    "verify": "an output byte differs from tflite-micro",
    "bench": "a --budget is broken",
    "validate": "a board output differs from the host reference, or a --budget is broken",
    "regress": "a regression: a budget or the stored baseline was broken",
    "stream": "an inferred frame differs from the host reference, or a frame was lost, corrupted or duplicated",
    "sweep": "no point fits the board within the budget",
}


def exit_codes_epilog(command_name: str) -> str:
    """``Exit codes: 0 ok, [1 ...,] 2 an error`` for ``command_name``."""
    one = EXIT_ONE.get(command_name)
    return "Exit codes: 0 ok, " + (f"1 {one}, " if one else "") + "2 an error (one line 'error: ...' and a hint)."


class AliasOption(click.Option):
    """An option with extra spellings that are accepted but not shown in ``--help``."""

    def __init__(self, *args, hidden_aliases: tuple[str, ...] = (), **kwargs):
        self.hidden_aliases = tuple(hidden_aliases)
        super().__init__(*args, **kwargs)

    def _shown(self, method, *args):
        opts = self.opts
        self.opts = [o for o in opts if o not in self.hidden_aliases]
        try:
            return method(*args)
        finally:
            self.opts = opts

    def get_help_record(self, ctx):
        return self._shown(super().get_help_record, ctx)

    def get_error_hint(self, ctx):
        return self._shown(super().get_error_hint, ctx)


class HiddenArgument(click.Argument):
    """A positional argument left out of the usage line (kept for an old spelling)."""

    def get_usage_pieces(self, ctx):
        return []


def output_option(default=None, *, help: str, required: bool = False, path_type=None):
    """``-o/--output DIR`` (``--out`` accepted as well), into the parameter ``out_dir``."""
    extra = {"default": default, "show_default": default is not None} if not required else {"required": True}
    return click.option("-o", "--output", "--out", "out_dir", cls=AliasOption, hidden_aliases=("--out",),
                        type=click.Path(file_okay=False, path_type=path_type), help=help, **extra)


def json_flag(what: str = "the result", note: str = ""):
    """``--json``: print ``what`` as JSON on stdout (messages go to stderr)."""
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON{note}.")


def _check_file(ctx, param, value):
    if value is None:
        return value
    from tinyvid.paths import check_output_file

    check_output_file(value, hint=f"choose another file for {param.opts[-1]}")
    return value


def output_file_option(*names: str, help: str, hidden_aliases: tuple[str, ...] = (), dest: str | None = None):
    """An option naming a file tinyvid writes, checked (creatable, writable) while parsing."""
    decls = [*names, *hidden_aliases] + ([dest] if dest else [])
    return click.option(*decls, cls=AliasOption, hidden_aliases=hidden_aliases,
                        type=click.Path(dir_okay=False, path_type=Path), callback=_check_file, help=help)


class PortURL(click.ParamType):
    """A serial port URL, checked up front (``socket://HOST:PORT`` needs its port)."""

    name = "URL"

    def convert(self, value, param, ctx):
        from tinyvid.harness.serial_link import check_port_url

        try:
            return check_port_url(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SEED = click.IntRange(0, 2**32 - 1)
POSITIVE = click.FloatRange(0, min_open=True)


def _power(ctx, param, value):
    from tinyvid.errors import PowerError
    from tinyvid.power.spec import parse_spec

    try:
        if value is not None and value != "none":
            parse_spec(value)
    except PowerError as exc:
        raise click.BadParameter(f"{exc.message} ({exc.hint})") from None
    return value


def power_option(command):
    """``--power SPEC``: measure energy with a power monitor (the spec is checked while
    parsing; the command passes it on as ``power``)."""
    return click.option("--power", metavar="SPEC", callback=_power,
                        help="Measure energy with a power monitor instead of the board file's estimate: "
                             "lpm01a:PORT, joulescope[:SERIAL], ppk2:PORT or replay:TRACE.csv, with ,key=value "
                             "options (sync=fall|rise|both|timestamp, record=FILE, ...); 'none' for the estimate. "
                             "Default: the board file's [power] monitor, else the estimate.")(command)


_PLACE_HELP = ("A labgrid place to run on (LG_COORDINATOR names the coordinator, default 127.0.0.1:20408): "
               "its name, or tags KEY=VALUE[,KEY=VALUE] for any free place that has them. Acquired, reached "
               "over its NetworkSerialPort and released however the run ends. With --project DIR, that build is flashed "
               "onto it first when the place has a resource labgrid flashes through (e.g. a NetworkUSBDebugger: "
               "OpenOCDDriver); otherwise it runs the firmware it has.")


def place_options(command):
    """``--place NAME|TAGS`` and ``--place-wait SECONDS``: a board on a labgrid farm."""
    command = click.option("--place-wait", type=click.FloatRange(0), default=None, metavar="SECONDS",
                           help="Most seconds to wait while another user holds the place [600].")(command)
    return click.option("--place", metavar="NAME|KEY=VALUE,...", help=_PLACE_HELP)(command)


def jobs_option(command):
    """``-j/--jobs N``: cases run at once."""
    return click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="Cases run at once, each on its own board (a place serves one case at a time); "
                             "the reports are the same as a serial run's, in the suite's order.")(command)
