"""``tinyvid farm``: a labgrid board farm on one machine (thin wrappers over tinyvid.farm)."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path

import click

from tinyvid.cli.options import json_flag


@contextlib.contextmanager
def _until_stopped():
    """Ctrl-C, SIGTERM or SIGHUP stop a server in order (exit 0, "stopped"): they
    only set a flag, which the server polls, so no board is left half-stopped."""
    from tinyvid.processes import STOP_SIGNALS

    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        yield stop.is_set
        if stop.is_set():
            click.echo("stopped", err=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@click.group("farm")
def farm_group():
    """Boards on a labgrid farm: export tinyvid's emulated boards as places, run a
    coordinator, list the places. Commands take --place NAME (or tags) to run on one.

    labgrid 26 runs in an environment of its own in tinyvid's cache folder
    (created by `tinyvid farm setup`, or the first time it is needed). The
    coordinator is $LG_COORDINATOR (HOST:PORT, default 127.0.0.1:20408)."""


@farm_group.command("setup")
def setup_command():
    """Create labgrid's environment now (once; it needs PyPI)."""
    from tinyvid.farm import labgrid_python

    click.echo(f"labgrid's environment: {labgrid_python(progress=True).parent.parent}")


@farm_group.command("coordinator")
@click.option("--listen", default="127.0.0.1:20408", show_default=True, metavar="HOST:PORT",
              help="Where the coordinator listens.")
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the coordinator's places.yaml (default: the current folder).")
def coordinator_command(listen, workdir):
    """Run labgrid's coordinator until Ctrl-C (or SIGTERM, SIGHUP: exit 0)."""
    from tinyvid.farm import run_coordinator

    with _until_stopped() as stopped:
        run_coordinator(listen=listen, workdir=workdir, echo=lambda line: click.echo(line, err=True), stop=stopped)


@farm_group.command("serve")
@click.argument("projects", nargs=-1, required=True, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--name", "node", help="This node's exporter name (default: the host name).")
@click.option("--place", "places", multiple=True,
              help="The place of each project, in order (default: NODE-FOLDER). Repeatable.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address clients reach the boards' serial sockets at.")
@click.option("--coordinator", help="HOST:PORT of the coordinator (default: $LG_COORDINATOR or 127.0.0.1:20408).")
def serve_command(projects, node, places, host, coordinator):
    """Launch each PROJECT's emulated board and export it to the labgrid coordinator as
    a place (a NetworkSerialPort, protocol raw, tagged board= and model=) until Ctrl-C.
    Each place is flashable through labgrid (a Flashrom resource: loading an image
    restarts that board with it), e.g. by `tinyvid bench --place NAME --project DIR`.
    If the exporter dies the node stops, and its boards with it (exit 2); Ctrl-C,
    SIGTERM or SIGHUP stop it in order (exit 0)."""
    from tinyvid.farm import serve_farm

    with _until_stopped() as stopped:
        serve_farm(projects, node=node, places=places, host=host, coordinator=coordinator,
                   echo=lambda line: click.echo(line, err=True), stop=stopped)


@farm_group.command("places")
@click.option("--coordinator", help="HOST:PORT of the coordinator (default: $LG_COORDINATOR or 127.0.0.1:20408).")
@json_flag("the places and resources")
def places_command(coordinator, as_json):
    """List the coordinator's places (who holds each, its tags) and resources."""
    from tinyvid.farm import list_places

    found = list_places(coordinator=coordinator)
    if as_json:
        click.echo(json.dumps({"places": found["places"], "resources": found["resources"]}, indent=2))
        return
    for place in found["places"]:
        tags = ",".join(f"{k}={v}" for k, v in sorted(place["tags"].items()))
        click.echo(f"{place['name']:<24} {('held by ' + place['acquired']) if place['acquired'] else 'free':<28} {tags}")
    for resource in found["resources"]:
        params = resource["params"]
        where = (f"{params.get('protocol', 'rfc2217')}://{params.get('host')}:{params.get('port')}"
                 if "port" in params else ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "extra"))
        click.echo(f"  {resource['path']}  {where}" + ("" if resource["avail"] else "  (unavailable)"))


COMMANDS: list = [farm_group]
