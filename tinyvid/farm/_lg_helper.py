"""tinyvid's labgrid client: a script run by labgrid's own Python, never imported by
tinyvid (labgrid's environment has no tinyvid, and tinyvid's has no labgrid).

It speaks to the coordinator through labgrid's client session and answers in JSON
lines on stdout, one event a line:

``hold SPEC --wait S``
    acquire the place SPEC (a name, or tags ``k=v,k=v`` through a reservation),
    waiting at most S seconds while another user holds it (``waiting`` events name
    the holder); print ``acquired`` with the place's resources, then hold it until
    stdin closes or a SIGTERM/SIGINT/SIGHUP arrives (tinyvid ending, however it
    ends: the script asks the kernel for a SIGTERM when its parent dies), then
    release it and print ``released``.
``setup-place NAME --match PATTERN... --tag K=V...``
    create the place if it is missing, add its resource matches, set its tags.
``places``
    print every place (acquired by whom, tags, matches) and every resource.
``flash NAME IMAGE --timeout S [--env LG_ENV.yaml]``
    load IMAGE onto the place NAME (acquired by this host and user, e.g. by a
    ``hold`` running beside it) through labgrid's own drivers: a target is built
    from the place (the environment file's target for it when one is given, its
    drivers and tools configured there, else a bare target with a ``RemotePlace``),
    its ``BootstrapProtocol`` driver (configured, else the one labgrid binds to one
    of the place's resources, e.g. ``OpenOCDDriver`` for a ``NetworkUSBDebugger``)
    is activated and ``load(IMAGE)`` called. ``flashed`` names the driver; a place
    with nothing to flash through gives ``no-flasher`` (exit 0).

The ``acquired`` event lists ``flashers``: the place's resources for which labgrid
has a ``BootstrapProtocol`` driver, and which.

Exit codes: 0 done, 3 the coordinator cannot be reached or refused, 4 the place
stayed held for the whole wait, 5 no such place, 6 stopped by a signal while waiting,
7 the place is not acquired by this host and user, 8 the flashing driver failed,
9 flashing took longer than its timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import json
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

CONNECT_TIMEOUT_S = 15.0
CALL_TIMEOUT_S = 15.0
POLL_S = 0.25


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def _sigterm_when_parent_dies() -> None:
    """tinyvid starts its children with a parent-death SIGKILL; this one asks for
    a SIGTERM instead, so that it releases its place before it ends."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request
        os.kill(os.getpid(), signal.SIGTERM)


class Farm:
    """One client session with the coordinator."""

    def __init__(self, address: str):
        from labgrid.remote.client import ClientSession
        from labgrid.remote.generated import labgrid_coordinator_pb2

        self.pb2 = labgrid_coordinator_pb2
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.address = address
        self.session = ClientSession(address, self.loop)
        try:
            self.run(self.session.start(), CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise Failure(3, f"the labgrid coordinator at {address} did not answer in {CONNECT_TIMEOUT_S:g} s")
        except Exception as exc:  # labgrid's ServerError and grpc errors alike
            raise Failure(3, f"cannot reach the labgrid coordinator at {address}: {exc}")
        self.me = f"{self.session.gethostname()}/{self.session.getuser()}"
        self.stop = asyncio.Event()  # set by a signal: stop waiting, release what is held

    def check_stopped(self) -> None:
        if self.stop.is_set():
            raise Failure(6, "stopped by a signal while waiting for the place")

    def run(self, coro, timeout: float = CALL_TIMEOUT_S):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def call(self, method: str, request):
        import grpc

        async def go():
            await getattr(self.session.stub, method)(request)
            await self.session.sync_with_coordinator()

        try:
            self.run(go())
        except grpc.aio.AioRpcError as exc:
            raise Failure(3, f"{method}: {exc.details()}")
        except asyncio.TimeoutError:
            raise Failure(3, f"the coordinator did not answer {method} in {CALL_TIMEOUT_S:g} s")

    def sync(self) -> None:
        self.run(self.session.sync_with_coordinator())

    def sleep(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def place(self, name: str):
        self.sync()
        place = self.session.places.get(name)
        if place is None:
            known = ", ".join(sorted(self.session.places)) or "none"
            raise Failure(5, f"the coordinator at {self.address} has no place '{name}' (places: {known})")
        return place

    def resources_of(self, place) -> list[dict]:
        found = []
        for path in place.acquired_resources:
            exporter, group, cls, name = path
            resource = self.session.resources.get(exporter, {}).get(group, {}).get(name)
            if resource is None:
                found.append({"path": "/".join(path), "cls": cls, "missing": True})
                continue
            found.append({"path": "/".join(path), "cls": resource.cls, "avail": bool(resource.avail),
                          "params": _plain(resource.params)})
        return found

    def close(self) -> None:
        try:
            self.run(self.session.stop(), 5.0)
            self.run(self.session.close(), 5.0)
        except Exception:  # closing is best effort: the process ends next
            pass


class Failure(Exception):
    def __init__(self, code: int, message: str, **fields):
        super().__init__(message)
        self.code = code
        self.fields = fields


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _tags(spec: str) -> dict[str, str]:
    tags = {}
    for pair in spec.split(","):
        key, sep, value = pair.strip().partition("=")
        if not sep or not key or not value:
            raise Failure(5, f"'{pair}' is not a tag: use KEY=VALUE[,KEY=VALUE]")
        tags[key] = value
    return tags


def _acquire_named(farm: Farm, name: str, wait: float) -> str:
    deadline = time.monotonic() + wait
    told = None
    while True:
        place = farm.place(name)
        if not place.acquired:
            try:
                farm.call("AcquirePlace", farm.pb2.AcquirePlaceRequest(placename=name))
                return name
            except Failure as exc:  # another client got it first, or a resource is in use
                holder = farm.place(name).acquired or str(exc)
        else:
            holder = place.acquired
        if time.monotonic() >= deadline:
            raise Failure(4, f"place {name} is held by {holder}", holder=holder, place=name)
        if holder != told:
            emit("waiting", place=name, holder=holder, wait=wait)
            told = holder
        farm.sleep(POLL_S)
        farm.check_stopped()


def _acquire_tagged(farm: Farm, spec: str, wait: float) -> tuple[str, str]:
    """A reservation for any place with the tags; the coordinator allocates one."""
    from labgrid.remote.common import Reservation, ReservationState

    tags = _tags(spec)
    request = farm.pb2.CreateReservationRequest(filters={"main": farm.pb2.Reservation.Filter(filter=tags)}, prio=0.0)

    async def create():
        return await farm.session.stub.CreateReservation(request)

    try:
        token = Reservation.from_pb2(farm.run(create()).reservation).token
    except Exception as exc:
        raise Failure(3, f"cannot reserve a place with {spec}: {exc}")
    deadline = time.monotonic() + wait
    told = False
    while True:
        async def poll():
            return await farm.session.stub.PollReservation(farm.pb2.PollReservationRequest(token=token))

        reservation = Reservation.from_pb2(farm.run(poll()).reservation)
        if reservation.state is ReservationState.allocated:
            name = reservation.allocations["main"][0]
            return _acquire_named(farm, name, max(1.0, deadline - time.monotonic())), token
        if reservation.state is not ReservationState.waiting:
            raise Failure(5, f"no place has the tags {spec} (reservation {reservation.state.name})")
        if time.monotonic() >= deadline:
            _cancel(farm, token)
            holders = sorted({f"{p.name} ({p.acquired})" for p in farm.session.places.values()
                              if p.acquired and all(p.tags.get(k) == v for k, v in tags.items())})
            raise Failure(4, f"every place with the tags {spec} stayed held ({', '.join(holders) or 'reserved'})",
                          holder=", ".join(holders) or "another reservation", place=spec)
        if not told:
            holders = sorted({f"{p.name} ({p.acquired})" for p in farm.session.places.values()
                              if p.acquired and all(p.tags.get(k) == v for k, v in tags.items())})
            emit("waiting", place=spec, holder=", ".join(holders) or "another reservation", wait=wait)
            told = True
        farm.sleep(1.0)
        if farm.stop.is_set():
            _cancel(farm, token)
            farm.check_stopped()


def _cancel(farm: Farm, token: str) -> None:
    async def cancel():
        await farm.session.stub.CancelReservation(farm.pb2.CancelReservationRequest(token=token))

    try:
        farm.run(cancel(), 5.0)
    except Exception:
        pass


def hold(farm: Farm, spec: str, wait: float) -> None:
    stop = farm.stop
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        farm.loop.add_signal_handler(signum, stop.set)
    token = None
    if "=" in spec:
        name, token = _acquire_tagged(farm, spec, wait)
    else:
        name = _acquire_named(farm, spec, wait)
    try:
        place = farm.place(name)
        resources = farm.resources_of(place)
        emit("acquired", place=name, me=farm.me, tags=dict(place.tags), resources=resources,
             flashers=flashers(resources))

        def until_stdin_closes() -> None:
            try:
                while os.read(sys.stdin.fileno(), 4096):
                    pass
            except OSError:
                pass
            farm.loop.call_soon_threadsafe(stop.set)

        if not stop.is_set():
            threading.Thread(target=until_stdin_closes, daemon=True).start()
            farm.loop.run_until_complete(stop.wait())
    finally:
        farm.call("ReleasePlace", farm.pb2.ReleasePlaceRequest(placename=name))
        if token:
            _cancel(farm, token)
        emit("released", place=name)


def setup_place(farm: Farm, name: str, matches: list[str], tags: list[str]) -> None:
    farm.sync()
    if name not in farm.session.places:
        farm.call("AddPlace", farm.pb2.AddPlaceRequest(name=name))
    place = farm.place(name)
    for pattern in matches:
        if not place.hasmatch(pattern.split("/")):
            farm.call("AddPlaceMatch", farm.pb2.AddPlaceMatchRequest(placename=name, pattern=pattern))
    wanted = _tags(",".join(tags)) if tags else {}
    if wanted and dict(place.tags) != wanted:
        farm.call("SetPlaceTags", farm.pb2.SetPlaceTagsRequest(placename=name, tags=wanted))
    place = farm.place(name)
    emit("place", place=name, tags=dict(place.tags), matches=[str(m) for m in place.matches])


def places(farm: Farm) -> None:
    farm.sync()
    emit("places", places=[{"name": p.name, "acquired": p.acquired, "tags": dict(p.tags),
                            "matches": [str(m) for m in p.matches]}
                           for p in sorted(farm.session.places.values(), key=lambda p: p.name)],
         resources=[{"path": f"{exporter}/{group}/{r.cls}/{name}", "avail": bool(r.avail), "params": _plain(r.params)}
                    for exporter, groups in sorted(farm.session.resources.items())
                    for group, entries in sorted(groups.items()) for name, r in sorted(entries.items())])


#: The driver labgrid's own ``labgrid-client bootstrap`` picks when several bind
#: to one resource class (e.g. IMXUSBDriver and BDIMXUSBDriver both take an i.MX loader).
PREFERRED_BOOTSTRAP = ("OpenOCDDriver", "IMXUSBDriver", "MXSUSBDriver", "RKUSBDriver")


def _accepts(binding, cls: str) -> bool:
    accepted = binding if isinstance(binding, (set, frozenset, list, tuple)) else {binding}
    return any(a == cls or getattr(a, "__name__", None) == cls for a in accepted if a is not None)


def bootstrap_drivers(cls: str) -> list[str]:
    """labgrid's drivers of BootstrapProtocol that bind to a resource class, the one
    ``labgrid-client bootstrap`` would pick first."""
    from labgrid.factory import target_factory
    from labgrid.protocol import BootstrapProtocol

    found = [name for name, driver in target_factory.drivers.items()
             if isinstance(driver, type) and issubclass(driver, BootstrapProtocol)
             and any(_accepts(binding, cls) for binding in getattr(driver, "bindings", {}).values())]
    rank = {name: n for n, name in enumerate(PREFERRED_BOOTSTRAP)}
    return sorted(found, key=lambda name: (rank.get(name, len(rank)), name))


def flashers(resources: list[dict]) -> list[dict]:
    """The resources of a place (as ``acquired`` lists them) that labgrid flashes
    through, each with its drivers; a resource whose exporter is gone is left out."""
    return [{"path": r["path"], "cls": r["cls"], "drivers": drivers}
            for r in resources if not r.get("missing") and (drivers := bootstrap_drivers(r["cls"]))]


def _target(farm: Farm, place, env_file: str | None):
    """labgrid's target of the place: the environment's target for it, else a bare one
    (as ``labgrid-client`` makes it), its resources expanded by labgrid's RemotePlace."""
    from labgrid import Environment, Target
    from labgrid.remote.client import find_role_by_place
    from labgrid.resource.remote import RemotePlace, RemotePlaceManager

    manager = RemotePlaceManager.get()
    manager.session, manager.loop = farm.session, farm.loop
    if env_file:
        env = Environment(config_file=env_file)
        role = find_role_by_place(env.config.get_targets(), place.name)
        if role is not None:
            return env.get_target(role)
        target = Target(place.name, env=env)
    else:
        target = Target(place.name)
    RemotePlace(target, name=place.name)
    return target


def _bootstrap_driver(target):
    """The target's BootstrapProtocol driver: the configured one, else one made for
    the first resource labgrid has such a driver for; None when there is none."""
    from labgrid.exceptions import NoDriverFoundError
    from labgrid.factory import target_factory

    try:
        return target.get_driver("BootstrapProtocol", activate=False)
    except NoDriverFoundError:
        pass
    for resource in target.resources:
        for name in bootstrap_drivers(type(resource).__name__):
            driver_cls = target_factory.class_from_string(name)
            return driver_cls(target, name=None)
    return None


def _tail(exc: Exception) -> str:
    lines = [str(line).strip() for part in (getattr(exc, "stdout", None), getattr(exc, "stderr", None))
             for line in (part or []) if str(line).strip()]
    return " | ".join(lines[-4:])


def _served_by_tinyvid(resources: list[dict]) -> bool:
    """A place exported by ``tinyvid farm serve``: a Flashrom resource whose programmer is the node's."""
    return any(r.get("cls") == "Flashrom" and str(r.get("params", {}).get("programmer", "")).startswith("tinyvid:")
               for r in resources)


def _configures(env_file: str | None, name: str) -> bool:
    """Whether the labgrid environment file has a target for the place ``name``."""
    if not env_file:
        return False
    from labgrid import Environment
    from labgrid.remote.client import find_role_by_place

    return find_role_by_place(Environment(config_file=env_file).config.get_targets(), name) is not None


def _standin_env(folder: Path) -> str:
    """A labgrid environment whose ``flashrom`` tool is tinyvid's stand-in, which loads
    the image onto the emulated board of a ``tinyvid farm serve`` node."""
    tool = folder / "flashrom"
    tool.write_text(f"#!/bin/sh\nexec '{sys.executable}' -I '{Path(__file__).with_name('_qemu_flashrom.py')}' \"$@\"\n")
    tool.chmod(0o755)
    env = folder / "env.yaml"
    env.write_text(f"targets: {{}}\ntools:\n  flashrom: {tool}\n")
    return str(env)


class FlashTimeout(Exception):
    pass


def flash(farm: Farm, name: str, image: str, env_file: str | None, timeout: float) -> None:
    if not os.path.isfile(image):
        raise Failure(8, f"no firmware image at {image}")
    place = farm.place(name)
    if place.acquired != farm.me:
        raise Failure(7, f"place {name} is acquired by {place.acquired or 'nobody'}, not by {farm.me}",
                      holder=place.acquired or "")

    def on_alarm(*_):
        raise FlashTimeout()

    def on_stop(signum, _frame):
        stop_children()
        os._exit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_stop)
    signal.alarm(max(1, int(round(timeout))))
    target = driver = None
    work = tempfile.TemporaryDirectory(prefix="tinyvid-lg-")
    try:
        if _served_by_tinyvid(farm.resources_of(place)) and not _configures(env_file, name):
            env_file = _standin_env(Path(work.name))
        target = _target(farm, place, env_file)
        driver = _bootstrap_driver(target)
        if driver is None:
            emit("no-flasher", place=name, resources=sorted(type(r).__name__ for r in target.resources))
            return
        bound = sorted({type(r).__name__ for r in driver.get_bound_resources()}) if hasattr(
            driver, "get_bound_resources") else []
        emit("flashing", place=name, driver=type(driver).__name__, image=image)
        target.activate(driver)
        driver.load(image)
        emit("flashed", place=name, driver=type(driver).__name__, resources=bound, image=image)
    except FlashTimeout:
        stop_children()
        raise Failure(9, f"flashing place {name} took longer than {timeout:g} s",
                      driver=type(driver).__name__ if driver else "")
    except Failure:
        raise
    except Exception as exc:  # labgrid's ExecutionError, SSH, resource and tool errors alike
        what = type(driver).__name__ if driver else "labgrid"
        text = str(getattr(exc, "msg", None) or exc)
        ssh = re.match(r"failed to connect to (\S+) with args .*b'(.*)'\s*$", text, re.S)
        if ssh:  # labgrid runs a remote resource's tool on its exporter host, over ssh
            said = ssh.group(2).replace("\\r", "").replace("\\n", " ").strip()
            raise Failure(8, f"{what} runs its tool on the exporter host {ssh.group(1)} over ssh, and ssh failed: "
                          f"{said or 'no answer'}", driver=what, cause="ssh", host=ssh.group(1))
        tail = _tail(exc)
        raise Failure(8, f"{what} could not flash place {name}: {type(exc).__name__}: {text}"
                      + (f" ({tail})" if tail and tail not in text else ""), driver=what if driver else "",
                      cause="driver")
    finally:
        signal.alarm(0)
        work.cleanup()
        if target is not None:
            try:
                target.deactivate_all_drivers()
            except Exception:  # the process ends next
                pass
        with_children_stopped()


def with_children_stopped() -> None:
    """End labgrid's ssh connections of the flash with this process."""
    try:
        from labgrid.util.ssh import sshmanager

        sshmanager.close_all()
    except Exception:
        pass


def stop_children() -> None:
    """End the tool labgrid runs for the flash (openocd, ssh): tinyvid starts this
    client as the leader of a process group of its own, so the group is its children."""
    if os.getpgid(0) != os.getpid():  # started by someone else: its group is not ours to end
        return
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(0, signal.SIGTERM)
    except OSError:
        pass
    signal.signal(signal.SIGTERM, previous)


def main() -> int:
    parser = argparse.ArgumentParser(prog="tinyvid-labgrid")
    parser.add_argument("--coordinator", default=os.environ.get("LG_COORDINATOR", "127.0.0.1:20408"))
    sub = parser.add_subparsers(dest="command", required=True)
    p_hold = sub.add_parser("hold")
    p_hold.add_argument("spec")
    p_hold.add_argument("--wait", type=float, default=600.0)
    p_setup = sub.add_parser("setup-place")
    p_setup.add_argument("name")
    p_setup.add_argument("--match", action="append", default=[])
    p_setup.add_argument("--tag", action="append", default=[])
    sub.add_parser("places")
    p_flash = sub.add_parser("flash")
    p_flash.add_argument("name")
    p_flash.add_argument("image")
    p_flash.add_argument("--timeout", type=float, default=300.0)
    p_flash.add_argument("--env", default=os.environ.get("LG_ENV") or None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    _sigterm_when_parent_dies()
    farm = None
    try:
        farm = Farm(args.coordinator)
        if args.command == "hold":
            hold(farm, args.spec, args.wait)
        elif args.command == "setup-place":
            setup_place(farm, args.name, args.match, args.tag)
        elif args.command == "flash":
            flash(farm, args.name, args.image, args.env, args.timeout)
        else:
            places(farm)
        return 0
    except Failure as exc:
        emit("error", code=exc.code, message=str(exc), **exc.fields)
        return exc.code
    finally:
        if farm is not None:
            farm.close()


if __name__ == "__main__":
    sys.exit(main())
