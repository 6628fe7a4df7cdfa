"""CLI commands of the firmware stage (thin wrappers over the library):
``boards``, ``project``, ``build``, ``run``, ``flash``."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from tinyvid.boards import DEFAULT_BOARD
from tinyvid.cli.options import AliasOption, json_flag, output_option

_CONVERSIONS = ("int8", "uint8", "float32")


@click.command("boards")
@click.option("--json", "as_json", is_flag=True, help="Print the boards as JSON.")
def boards_command(as_json: bool) -> None:
    """List the boards: which run here (emulated or host) and which are compiled only."""
    from dataclasses import asdict

    from tinyvid.boards import DEFAULT_BOARD, list_boards

    boards = list_boards()
    if as_json:
        rows = []
        for board in boards:
            row = asdict(board)
            row["path"] = str(board.path)
            row["availability"] = board.availability
            row["default"] = board.name == DEFAULT_BOARD
            rows.append(row)
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(board.name) for board in boards)
    for board in boards:
        memory = (
            f"{board.memory.flash_bytes // 1024:>5} KB flash {board.memory.ram_bytes // 1024:>5} KB RAM"
            if not board.is_host
            else f"{'':>31}"
        )
        default = " (default)" if board.name == DEFAULT_BOARD else ""
        click.echo(f"{board.name:<{width}}  {board.availability:<13}  {memory}  {board.description}{default}")


@click.command("project")
@click.argument("model", type=click.Path(exists=True, path_type=Path))
@click.option("--board", "-b", default=DEFAULT_BOARD, show_default=True, help="Board name or board .toml file.")
@output_option(required=True, path_type=Path,
               help="Folder to write the project into (new, empty, or an earlier tinyvid project).")
@click.option("--model-id", help="What 'profile%' answers: vww01, ic01, kws01, ad01 or your own (default: from the input shape).")
@click.option("--conversion", type=click.Choice(_CONVERSIONS),
              help="How input files become the int8 input: int8 as is, uint8 minus 128, float32 quantized "
                   "(default: the model id's).")
@click.option("--prefix", default="model", show_default=True, help="C prefix of the generated model.")
@click.option("--kernels", type=click.Choice(["auto", "c", "dsp", "mve"]), default="auto", show_default=True,
              help="Kernel target: auto picks it from the board's core (dsp for Cortex-M4/M7/M33, mve for M55, "
                   "c otherwise); c forces the portable C kernels.")
@click.option("--optimize", type=click.Choice(["auto", "speed", "size"]), default="auto", show_default=True,
              help="speed: pre-widened weights where the kernels gain from it; size: the least flash; "
                   "auto: speed when it fits the board's flash.")
@click.option("--detect-threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="A detector's (heat-map output's) score threshold for the centroids the board decodes "
                   "[the one in compress's report.json beside MODEL, else 0.5].")
@click.option("--stream-buffers", type=click.Choice(["auto", "1", "2"]), default="auto", show_default=True,
              help="Frame buffers for streaming: 2 receives the next frame while one runs (stream --overlap; one "
                   "input's bytes of RAM more), 1 saves that RAM; auto: 2 when it fits the board's RAM.")
@json_flag("what was written")
def project_command(model: Path, board: str, out_dir: Path, model_id, conversion, prefix: str, kernels: str,
                    optimize: str, detect_threshold, stream_buffers: str, as_json: bool) -> None:
    """Generate a firmware project for BOARD from MODEL (an int8 .tflite, or a folder
    that 'tinyvid emit' wrote)."""
    from tinyvid.project import generate_project

    project = generate_project(model, board, out_dir, model_id=model_id, conversion=conversion, prefix=prefix,
                               kernels=None if kernels == "auto" else kernels,
                               optimize=None if optimize == "auto" else optimize, detect_threshold=detect_threshold,
                               stream_buffers=None if stream_buffers == "auto" else int(stream_buffers))
    info = project.model
    if as_json:
        click.echo(json.dumps({
            "project": str(project.path), "board": project.board.name, "model_id": project.model_id,
            "conversion": project.conversion, "input_shape": list(info.input.shape),
            "arena_bytes": info.arena_bytes, "macs": info.macs, "kernels": project.manifest.get("kernels"),
            "optimize": project.manifest.get("optimize"), "next": f"tinyvid build {project.path}",
        }, indent=2))  # fmt: skip
        return
    click.echo(
        f"wrote {project.path} for {project.board.name}: model id {project.model_id}, conversion {project.conversion}, "
        f"input {'x'.join(map(str, info.input.shape))}, arena {info.arena_bytes} bytes, {info.macs} MACs, "
        f"{project.manifest.get('kernels')} kernels"
        + (f"; centroids decoded on the board (score >= {project.manifest['detector']['probability']:g})"
           if project.manifest.get("detector") else "")
    )
    click.echo(f"next: tinyvid build {project.path}")


@click.command("build")
@click.argument("project_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the sizes as JSON.")
def build_command(project_dir: Path, as_json: bool) -> None:
    """Build a generated project and print its flash and RAM use against the board."""
    from tinyvid.build import build_project

    result = build_project(project_dir)
    if as_json:
        click.echo(json.dumps({
            "board": result.board.name, "firmware": str(result.firmware),
            "flash_used": result.flash_used, "flash_bytes": result.flash_bytes,
            "ram_used": result.ram_used, "ram_bytes": result.ram_bytes,
            "sections": result.sections, "warnings": list(result.warnings),
        }, indent=2))  # fmt: skip
        return
    for warning in result.warnings:
        click.secho(warning, fg="yellow", err=True)
    click.echo(f"built {result.firmware}")
    if result.board.is_host:
        click.echo(f"host build: {result.flash_used} bytes code+data, {result.ram_used} bytes data+bss (no limits)")
        return
    for label, used, limit in (("flash", result.flash_used, result.flash_bytes), ("RAM", result.ram_used, result.ram_bytes)):
        click.echo(f"{label:<5} {used:>9} / {limit:>9} bytes ({100.0 * used / limit:5.1f} %)")
    click.echo(f"      RAM includes a {result.board.memory.stack_bytes}-byte stack")


@click.command("run")
@click.argument("project_dir", type=click.Path(exists=True, path_type=Path))
@click.option("--tcp-port", "--port", "port", cls=AliasOption, hidden_aliases=("--port",),
              type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Local TCP port of the serial socket (0: any free port).")
@json_flag("the board, its serial port URL and process id", " (one line, once it listens; messages go to stderr)")
def run_command(project_dir: Path, port: int, as_json: bool) -> None:
    """Start an emulated board (QEMU) or the host board and serve its UART on a local
    socket until Ctrl-C (or SIGTERM, SIGHUP). Open the printed URL like a serial port:
    one client at a time (a second one is refused with a line naming the first);
    clients may disconnect and reconnect, the board keeps its state."""
    from tinyvid.build import launch_board
    from tinyvid.processes import STOP_SIGNALS

    # Ctrl-C, SIGTERM or SIGHUP only sets a flag: a KeyboardInterrupt landing inside
    # subprocess bookkeeping could leave the board process unreapable.
    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        with launch_board(project_dir, port=port) as running:
            if as_json:
                click.echo(json.dumps({"board": running.board.name, "url": running.url, "tcp_port": running.port,
                                       "pid": running.process.pid}))
                sys.stdout.flush()
            else:
                click.echo(f"{running.board.name} is running; its serial port: {running.url}")
            click.echo("stop with Ctrl-C", err=as_json)
            while running.alive and not stop.wait(0.2):
                pass
            if stop.is_set():
                click.echo("stopped", err=as_json)
            else:
                click.echo(f"{running.board.name} exited with code {running.process.returncode}", err=as_json)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@click.command("flash")
@click.argument("project_dir", type=click.Path(exists=True, path_type=Path))
@json_flag("the board and its serial port")
def flash_command(project_dir: Path, as_json: bool) -> None:
    """Flash a built project onto its real board with the board's flash tool."""
    from tinyvid.build import find_serial_ports, flash_project
    from tinyvid.build.project_files import project_board

    flash_project(project_dir)
    board = project_board(project_dir)
    ports = find_serial_ports(board)
    if as_json:
        click.echo(json.dumps({"board": board.name, "flashed": True, "port": ports[0] if ports else None}, indent=2))
        return
    where = f"; its serial port: {ports[0]}" if ports else ""
    click.echo(f"flashed {board.name}{where}")


COMMANDS: list = [boards_command, project_command, build_command, run_command, flash_command]
