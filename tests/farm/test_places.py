"""What tinyvid makes of a labgrid place without a farm: the serial URL of its
NetworkSerialPort, the coordinator's address, the exporter's resource file, the
helper's events turned into errors, and suite cases that name a place."""

import pytest
import yaml

from tinyvid.errors import FarmError, PlaceBusy, SuiteError
from tinyvid.farm.labgrid_env import coordinator_address
from tinyvid.farm.places import HeldPlace, _error
from tinyvid.farm.serve import ServedBoard, exporter_config
from tinyvid.harness.parallel import board_key
from tinyvid.harness.suite import load_suite


def _place(**params):
    port = {"cls": "NetworkSerialPort", "avail": True, "params": {"host": "lab-pc", "port": 4001, **params}}
    return HeldPlace("lab-a", {"board": "nucleo-f746zg"}, (port,))


def test_a_raw_network_serial_port_is_a_socket_url_and_rfc2217_its_own():
    assert _place(protocol="raw").serial_url == "socket://lab-pc:4001"
    assert _place(protocol="rfc2217").serial_url == "rfc2217://lab-pc:4001"
    assert _place().serial_url == "rfc2217://lab-pc:4001"  # labgrid's default protocol


def test_a_place_whose_exporter_is_gone_names_that_and_what_to_do():
    gone = HeldPlace("lab-a", {}, ({"cls": "NetworkSerialPort", "missing": True, "path": "n/g/NetworkSerialPort/x"},))
    with pytest.raises(FarmError, match="has no serial port any more: its exporter disconnected") as info:
        gone.serial_url
    assert "tinyvid farm serve" in info.value.hint
    with pytest.raises(FarmError, match="place lab-b has no serial port$") as info:
        HeldPlace("lab-b").serial_url
    assert "add-match" in info.value.hint
    with pytest.raises(FarmError, match="speaks 'telnet'"):
        _place(protocol="telnet").serial_url


def test_the_coordinator_address_comes_from_lg_coordinator_with_labgrids_default(monkeypatch):
    monkeypatch.delenv("LG_COORDINATOR", raising=False)
    assert coordinator_address() == "127.0.0.1:20408"
    monkeypatch.setenv("LG_COORDINATOR", "farm.lab")
    assert coordinator_address() == "farm.lab:20408"
    assert coordinator_address("10.0.0.2:7000") == "10.0.0.2:7000"
    with pytest.raises(FarmError, match="is not a labgrid coordinator address"):
        coordinator_address("host:99999")


def test_the_helpers_events_become_typed_errors():
    busy = _error({"event": "error", "code": 4, "place": "lab-a", "holder": "pc/alice"}, "lab-a", 12.0)
    assert isinstance(busy, PlaceBusy) and busy.holder == "pc/alice"
    assert busy.message == "place lab-a is held by pc/alice: waited 12 s for it" and "--place-wait" in busy.hint
    unknown = _error({"event": "error", "code": 5, "message": "no place 'x'"}, "x", 0)
    assert unknown.message == "no place 'x'" and "tinyvid farm places" in unknown.hint


def test_the_exporter_file_exports_each_board_as_a_raw_network_serial_port_and_a_flashrom():
    boards = [ServedBoard("lab-1", "qemu-mps2-an386", "vww01", "socket://127.0.0.1:4101"),
              ServedBoard("lab-2", "host", "", "socket://127.0.0.1:4102")]
    config = yaml.safe_load(exporter_config(boards, "10.1.2.3", load_port=4200))
    assert config == {
        "lab-1": {"NetworkSerialPort": {"host": "10.1.2.3", "port": 4101, "speed": 115200, "protocol": "raw"},
                  "Flashrom": {"programmer": "tinyvid:10.1.2.3:4200:lab-1"}},
        "lab-2": {"NetworkSerialPort": {"host": "10.1.2.3", "port": 4102, "speed": 115200, "protocol": "raw"},
                  "Flashrom": {"programmer": "tinyvid:10.1.2.3:4200:lab-2"}},
    }


def _suite(tmp_path, body):
    path = tmp_path / "suite.toml"
    path.write_text('version = 1\n[[case]]\nname = "farm"\nmodel = "m.tflite"\n' + body)
    return path


def test_a_suite_case_on_a_place_may_leave_out_its_board(tmp_path):
    case, = load_suite(_suite(tmp_path, 'place = "lab-a"\nplace_wait = 30\n')).cases
    assert (case.place, case.place_wait, case.board, case.id) == ("lab-a", 30, "", "farm")
    assert board_key(case) == "place:lab-a"
    tagged, = load_suite(_suite(tmp_path, 'place = "board=qemu-mps2-an386"\n')).cases
    assert board_key(tagged) is None  # the coordinator hands out one of the places with the tags


def test_place_overrides_every_case_and_a_bad_place_names_the_key(tmp_path):
    case, = load_suite(_suite(tmp_path, 'board = "host"\n'), place="lab-b", place_wait=5).cases
    assert (case.place, case.place_wait, case.board) == ("lab-b", 5, "host")
    with pytest.raises(SuiteError, match=r"case 'farm'.place: must be a place name"):
        load_suite(_suite(tmp_path, "place = 3\n"))
    with pytest.raises(SuiteError, match=r"case 'farm'.board: give either board or boards"):
        load_suite(_suite(tmp_path, ""))
