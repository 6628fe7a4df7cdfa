"""``tinyvid emit --runtime tflm``: the C array round-trips, the resolver has exactly the model's ops."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.codegen import emit
from tinyvid.codegen.tflm_runtime import arena_with_margin

DUMP = r"""
#include <cstdio>
#include "net_model_data.h"
int main() { return std::fwrite(net_model_data, 1, net_model_data_len, stdout) == NET_MODEL_DATA_LEN ? 0 : 1; }
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_model_array_compiles_and_round_trips_to_the_same_bytes(resnet8_model, tmp_path):
    out = tmp_path / "tflm"
    emit(resnet8_model, out, prefix="net", runtime="tflm")
    (tmp_path / "dump.cc").write_text(DUMP)
    exe = tmp_path / "dump"
    subprocess.run(["g++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-I", str(out), str(out / "net_model_data.cc"),
                    str(tmp_path / "dump.cc"), "-o", str(exe)], check=True, capture_output=True, timeout=300)
    assert subprocess.run([str(exe)], capture_output=True, check=True, timeout=60).stdout == resnet8_model.read_bytes()
    assert "alignas(16) const unsigned char net_model_data[]" in (out / "net_model_data.cc").read_text()


def test_resolver_registers_exactly_the_models_operators(vww_model, tmp_path):
    r = emit(vww_model, tmp_path / "t", prefix="vww", runtime="tflm")
    source = (tmp_path / "t" / "vww_tflm.cc").read_text()
    header = (tmp_path / "t" / "vww_tflm.h").read_text()
    methods = ["AddConv2D", "AddDepthwiseConv2D", "AddAveragePool2D", "AddReshape", "AddFullyConnected", "AddSoftmax"]
    assert [m for m in methods if f"resolver.{m}()" in source] == methods
    assert source.count("resolver.Add") == 6
    assert "MicroMutableOpResolver<VWW_TFLM_OP_COUNT>" in header and "#define VWW_TFLM_OP_COUNT 6" in header
    assert f"#define VWW_TENSOR_ARENA_BYTES {r.arena_bytes}" in header
    assert r.arena_bytes == arena_with_margin(r.tflm_arena_bytes) > r.tflm_arena_bytes


def test_cli_runtime_tflm(resnet8_model, tmp_path):
    result = CliRunner().invoke(main, ["emit", str(resnet8_model), "-o", str(tmp_path / "c"), "--runtime", "tflm"])
    assert result.exit_code == 0, result.output
    assert "margin included" in result.output
