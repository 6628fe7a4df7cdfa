"""The Joulescope and PPK2 drivers, against stand-ins for their vendors' packages
(the calls tinyvid makes, answering with a known trace): the trace they build,
and the energy a bench measures through them. The packages are optional: without
them the drivers say how to install them."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from tinyvid.boards import load_board
from tinyvid.harness.bench import bench
from tinyvid.harness.client import DutClient
from tinyvid.harness.fake import FakeDut, FakeTransport
from tinyvid.power.monitor import EnergyMeter, open_monitor

RATE = 100_000
T = np.arange(0, 0.6, 1 / RATE)
WINDOWS = [(0.05, 0.25), (0.35, 0.55)]
HIGH = np.any([(T >= a) & (T < b) for a, b in WINDOWS], axis=0)
CURRENT_A = np.where(HIGH, 9e-3, 0.2e-3)
ITERATIONS = 4
EXPECTED_UJ = 3.3 * 9e-3 * 0.2 / ITERATIONS * 1e6  # each window: 200 ms at 9 mA and 3.3 V


class FakeStreamBuffer:
    sample_id_range = (1000, 1000 + len(T))

    def samples_get(self, start, stop, fields):
        assert (start, stop) == self.sample_id_range
        signals = {"current": {"value": CURRENT_A}, "voltage": {"value": np.full_like(T, 3.3)},
                   "current_lsb": {"value": HIGH.astype(np.uint8)}}
        return {"signals": {name: signals[name] for name in fields}}


class FakeJoulescope:
    def __init__(self):
        self.parameters, self.calls = {}, []
        self.stream_buffer = FakeStreamBuffer()

    def __str__(self):
        return "Joulescope:003141"

    def open(self):
        self.calls.append("open")

    def parameter_set(self, name, value):
        self.parameters[name] = value

    def start(self):
        self.calls.append("start")

    def stop(self):
        self.calls.append("stop")

    def close(self):
        self.calls.append("close")


class FakePPK2:
    instances: list = []

    def __init__(self, port, **kwargs):
        self.port, self.calls = port, []
        self.sent = False
        FakePPK2.instances.append(self)

    def __getattr__(self, name):  # get_modifiers, use_source_meter, toggle_DUT_power, ...
        return lambda *args: self.calls.append((name, *args))

    def get_data(self):
        if self.sent:
            return b""
        self.sent = True
        return b"raw"

    def get_samples(self, data):
        assert data == b"raw"
        return list(CURRENT_A * 1e6), list(HIGH.astype(int))

    def digital_channels(self, digital):
        return [list(digital)] + [[0] * len(digital) for _ in range(7)]


@pytest.fixture
def vendor_packages(monkeypatch):
    device = FakeJoulescope()
    joulescope = types.ModuleType("joulescope")
    joulescope.scan = lambda config="auto": [device]
    monkeypatch.setitem(sys.modules, "joulescope", joulescope)
    ppk2_api = types.ModuleType("ppk2_api")
    ppk2_api_inner = types.ModuleType("ppk2_api.ppk2_api")
    ppk2_api_inner.PPK2_API = FakePPK2
    ppk2_api.ppk2_api = ppk2_api_inner
    monkeypatch.setitem(sys.modules, "ppk2_api", ppk2_api)
    monkeypatch.setitem(sys.modules, "ppk2_api.ppk2_api", ppk2_api_inner)
    FakePPK2.instances = []
    return device


def _bench(spec):
    board = load_board("nucleo-f446re")
    client = DutClient(FakeTransport(FakeDut(timer="dwt", us_per_inference=50_000)), quiet=0.01).open()
    with EnergyMeter(open_monitor(spec, volts=3.3)) as meter:
        return bench(client, windows=2, iterations=ITERATIONS, board=board, meter=meter)


def test_a_joulescope_on_gpi0_measures_over_the_pins_windows(vendor_packages):
    result = _bench("joulescope:003141,channel=0,sync=both")
    assert result.complete, result.error
    assert vendor_packages.parameters["current_lsb"] == "gpi0"
    assert vendor_packages.parameters["sampling_frequency"] == 100_000
    assert vendor_packages.calls == ["open", "start", "stop", "close"]
    assert result.energy_per_window_uj == pytest.approx([EXPECTED_UJ] * 2, rel=0.01)
    assert result.power_monitor.startswith("Joulescope 003141")


def test_a_ppk2_in_source_mode_powers_the_board_and_measures_over_d0(vendor_packages):
    result = _bench("ppk2:/dev/ttyACM1,volts=3.3,sync=both")
    assert result.complete, result.error
    calls = [c[0] for c in FakePPK2.instances[0].calls]
    assert calls[:4] == ["get_modifiers", "set_source_voltage", "use_source_meter", "toggle_DUT_power"]
    assert ("set_source_voltage", 3300) in FakePPK2.instances[0].calls
    assert result.energy_per_window_uj == pytest.approx([EXPECTED_UJ] * 2, rel=0.01)


def test_a_missing_vendor_package_says_how_to_install_it(monkeypatch):
    from tinyvid.errors import PowerError

    monkeypatch.setitem(sys.modules, "joulescope", None)
    with pytest.raises(PowerError, match="joulescope package is not installed") as info:
        open_monitor("joulescope").open()
    assert "pip install joulescope" in info.value.hint
