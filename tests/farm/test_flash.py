"""Flashing a labgrid place through labgrid's own drivers, on a coordinator and an
exporter on 127.0.0.1. The exporter exports a place the way a real board's node
does: a NetworkUSBDebugger (a JTAG/SWD probe) beside a NetworkSerialPort. tinyvid
sees that labgrid flashes it through OpenOCDDriver, and flashing goes all the way
through labgrid: the target built from the place, the driver activated, ``load``
called. labgrid then runs openocd on the exporter host over ssh; this machine has
no ssh server, so that is where it stops, and the test checks the error tinyvid
makes of it. A place with only a serial port is not flashed."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tinyvid.errors import FarmError
from tinyvid.farm import flash_driver, flash_place, hold_place, list_places, setup_place
from tinyvid.farm.labgrid_env import HELPER, LABGRID, helper_env, labgrid_program, labgrid_python
from tinyvid.farm.measure import _flash_case
from tinyvid.processes import start_process, stop_process

pytestmark = pytest.mark.skipif(not LABGRID.ready, reason="labgrid's environment is made by scripts/setup.sh")

#: An address nothing answers at: ssh's connect waits there until its own timeout.
UNREACHABLE = "10.255.255.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _debugger(host: str) -> str:
    return (f"  NetworkUSBDebugger:\n    host: {host}\n    busnum: 1\n    devnum: 4\n    path: '1-1.2'\n"
            "    vendor_id: 1155\n    model_id: 14155\n")


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    root = tmp_path_factory.mktemp("flashfarm")
    address = f"127.0.0.1:{_free_port()}"
    serial = "  NetworkSerialPort:\n    host: 127.0.0.1\n    port: 4999\n    protocol: raw\n"
    (root / "exporter.yaml").write_text("jtag:\n" + _debugger("127.0.0.1") + serial
                                        + "far:\n" + _debugger(UNREACHABLE) + serial + "bare:\n" + serial)
    started = []
    try:
        coordinator = start_process([labgrid_program("labgrid-coordinator"), "-l", address], cwd=root,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=helper_env(address))
        started.append(coordinator)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(address.rsplit(":", 1)[1])), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and coordinator.poll() is None, "no coordinator"
                time.sleep(0.2)
        started.append(start_process([labgrid_program("labgrid-exporter"), "-c", address, "-n", "bench1",
                                      "--hostname", "127.0.0.1", str(root / "exporter.yaml")], cwd=root,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=helper_env(address)))
        deadline = time.monotonic() + 30
        while len(list_places(coordinator=address)["resources"]) < 5:
            assert time.monotonic() < deadline, "the exporter never exported"
            time.sleep(0.3)
        for name in ("jtag", "far", "bare"):
            setup_place(name, matches=[f"bench1/{name}/*"], tags={"board": "nucleo-f746zg"}, coordinator=address)
        yield SimpleNamespace(address=address, root=root)
    finally:
        for process in reversed(started):
            stop_process(process)


def _image(tmp_path: Path) -> Path:
    image = tmp_path / "firmware.elf"
    image.write_bytes(b"\x7fELF" + bytes(60))
    return image


def test_labgrid_names_the_driver_it_flashes_each_resource_through():
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import _lg_helper as h; print(json.dumps("
            "{c: h.bootstrap_drivers(c) for c in ('NetworkUSBDebugger', 'NetworkAlteraUSBBlaster', 'NetworkFlashrom',"
            " 'Flashrom', 'NetworkIMXUSBLoader', 'NetworkSerialPort')}))")
    found = json.loads(subprocess.run([str(labgrid_python()), "-I", "-c", code, str(HELPER.parent)], check=True,
                                      capture_output=True, text=True, timeout=60).stdout)
    assert found["NetworkUSBDebugger"] == ["OpenOCDDriver"] == found["NetworkAlteraUSBBlaster"]
    assert found["NetworkFlashrom"] == ["FlashromDriver"] == found["Flashrom"]  # `tinyvid farm serve` exports this
    assert found["NetworkIMXUSBLoader"][0] == "IMXUSBDriver"  # what `labgrid-client bootstrap` picks first
    assert found["NetworkSerialPort"] == []


def test_a_place_with_a_debugger_is_flashed_through_openocd_as_far_as_labgrids_ssh(farm, tmp_path):
    with hold_place("jtag", wait=5, coordinator=farm.address) as held:
        assert [f["cls"] for f in held.flashers] == ["NetworkUSBDebugger"] and flash_driver(held) == "OpenOCDDriver"
        with pytest.raises(FarmError) as info:
            flash_place(held, _image(tmp_path), timeout=30)
    message = info.value.message
    assert message.startswith("flashing firmware.elf onto place jtag: OpenOCDDriver runs its tool on the exporter "
                              "host 127.0.0.1 over ssh, and ssh failed: ssh: connect to host 127.0.0.1"), message
    assert "`ssh 127.0.0.1 true`" in info.value.hint
    assert next(p for p in list_places(coordinator=farm.address)["places"] if p["name"] == "jtag")["acquired"] is None


def test_the_target_of_the_place_in_lg_env_configures_the_driver(farm, tmp_path):
    env = tmp_path / "env.yaml"
    env.write_text("targets:\n  nucleo:\n    resources:\n      RemotePlace:\n        name: jtag\n"
                   "    drivers:\n      OpenOCDDriver:\n        board_config: st_nucleo_f7.cfg\n"
                   "tools:\n  openocd: /opt/openocd/bin/openocd\n")
    with hold_place("jtag", wait=5, coordinator=farm.address) as held:
        with pytest.raises(FarmError, match="OpenOCDDriver runs its tool on the exporter host 127.0.0.1 over ssh"):
            flash_place(held, _image(tmp_path), timeout=30, env_file=env)


def test_a_place_with_only_a_serial_port_runs_the_firmware_it_has(farm, tmp_path):
    with hold_place("bare", wait=5, coordinator=farm.address) as held:
        assert held.flashers == () and flash_driver(held) is None
        assert flash_place(held, _image(tmp_path), timeout=30) is None  # labgrid finds no BootstrapProtocol driver
        case = SimpleNamespace(samples=4, board="", id="c", model=tmp_path / "m.tflite", conversion=None, flash=False)
        assert _flash_case(held, case, tmp_path) == ("place bare: measured the firmware it runs (validated against "
                                                     "the case's model), it has no flashing resource")
        with pytest.raises(FarmError, match="place bare has no resource labgrid flashes through, and the case asks"):
            _flash_case(held, SimpleNamespace(**{**vars(case), "flash": True}), tmp_path)


def test_a_flash_that_hangs_is_stopped_at_its_timeout(farm, tmp_path):
    with hold_place("far", wait=5, coordinator=farm.address) as held:
        start = time.monotonic()
        with pytest.raises(FarmError, match=r"onto place far: flashing place far took longer than 2 s"):
            flash_place(held, _image(tmp_path), timeout=2)
        assert time.monotonic() - start < 15
    assert not _ssh_to(UNREACHABLE)  # the ssh labgrid started for it ended with the flash


def _ssh_to(host: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and host.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_flashing_needs_the_place_held_and_an_image(farm, tmp_path):
    with hold_place("jtag", wait=5, coordinator=farm.address) as held:
        with pytest.raises(FarmError, match="is missing") as info:
            flash_place(held, tmp_path / "nothing.elf")
        assert "tinyvid build" in info.value.hint
    with pytest.raises(FarmError, match="place jtag is acquired by nobody, not by"):
        flash_place(held, _image(tmp_path), timeout=10)  # the block ended: released


def test_place_with_project_flashes_only_where_the_place_can_be_flashed(farm, tmp_path):
    """`bench --place NAME --project DIR`: a place without a flashing resource runs what it
    has (said before the bench; its serial port here has no board behind it: exit 2)."""
    import os
    import sys

    env = {**os.environ, "LG_COORDINATOR": farm.address}
    run = subprocess.run([sys.executable, "-m", "tinyvid", "bench", "--place", "bare", "--project", str(tmp_path),
                          "--windows", "1", "--iterations", "1", "--line-timeout", "2"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert f"note: place bare: no flashing resource, so it runs the firmware it has, not a fresh build of {tmp_path}" \
        in run.stderr
    assert "Traceback" not in run.stderr


def test_a_build_for_another_board_is_not_flashed_onto_a_place(farm, vww_model, tmp_path):
    from tinyvid.farm.measure import flash_project
    from tinyvid.project import generate_project

    generate_project(vww_model, board="qemu-mps2-an386", out_dir=tmp_path / "p")
    with hold_place("jtag", wait=5, coordinator=farm.address) as held:  # tagged board=nucleo-f746zg
        with pytest.raises(FarmError, match="is built for qemu-mps2-an386, and place jtag is a nucleo-f746zg") as info:
            flash_project(held, tmp_path / "p")
    assert "--board nucleo-f746zg" in info.value.hint
