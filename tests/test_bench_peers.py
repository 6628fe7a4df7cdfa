"""benchmarks/bench_peers.py: the peer's figures are read and set beside a measured row."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _module():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_peers", BENCH / "bench_peers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_peer_table_holds_both_reference_models_with_cmsis_nn_figures():
    peers = _module().peer_rows()
    assert set(peers) == {"vww_96_int8", "resnet8_cifar10_int8"}
    assert int(peers["vww_96_int8"]["instructions"]) == 24_101_956
    assert int(peers["resnet8_cifar10_int8"]["arena_used"]) == 54_996


def test_a_row_gets_the_peer_figures_and_the_ratios():
    m = _module()
    row = {"model": "vww_96_int8.tflite", "board": "b", "kernels": "dsp", "per_inference": 12_050_978.0,
           "macs_per_unit": 0.6, "arena_bytes": 50_354, "flash_used": 209_002}
    out = m.compare(row, m.peer_rows()["vww_96_int8"])
    assert abs(out["ratio_per_inference"] - 0.5) < 1e-6
    assert abs(out["ratio_arena_bytes"] - 0.5) < 1e-6 and abs(out["ratio_flash_used"] - 0.5) < 1e-6
    table = m.format_table([out])
    assert "0.50" in table and "24,101,956" in table
    assert m.compare(row, None)["ratio_per_inference"] is None
