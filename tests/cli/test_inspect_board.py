"""`tinyvid inspect --board`: whether a real int8 model fits a board, from the linker."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc is not installed")


def _int8_dense_model(path, inputs: int, outputs: int):
    """A real int8 .tflite whose weights alone take inputs x outputs bytes of flash."""
    from tinyvid._tf import keras, tf

    k = keras()
    model = k.Sequential([k.layers.Input((inputs,)), k.layers.Dense(outputs), k.layers.Softmax()])
    converter = tf().lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf().lite.Optimize.DEFAULT]
    rng = np.random.default_rng(0)
    converter.representative_dataset = lambda: ([rng.random((1, inputs), dtype=np.float32)] for _ in range(8))
    converter.target_spec.supported_ops = [tf().lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf().int8
    path.write_bytes(converter.convert())
    return path


@needs_arm
def test_inspect_board_says_the_vww_model_fits_netduinoplus2_with_linked_sizes(vww_model):
    result = CliRunner().invoke(main, ["inspect", str(vww_model), "--board", "qemu-netduinoplus2", "--json"])
    assert result.exit_code == 0, result.output
    fit = json.loads(result.output)["fit"]
    assert fit["fits"] is True and fit["board"] == "qemu-netduinoplus2"
    # the weights alone are 240,960 bytes of flash and the arena 64,512 bytes of RAM
    assert 240_960 < fit["flash_used"] < fit["flash_bytes"] == 1_048_576
    assert 64_512 < fit["ram_used"] < fit["ram_bytes"] == 196_608


@needs_arm
@pytest.mark.slow
def test_inspect_board_names_the_flash_overflow_of_a_model_too_big_for_netduinoplus2(tmp_path):
    model = _int8_dense_model(tmp_path / "big.tflite", 1024, 1100)  # 1,126,400 weight bytes
    result = CliRunner().invoke(main, ["inspect", str(model), "--board", "qemu-netduinoplus2"])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("does NOT fit qemu-netduinoplus2")
    overflow = int(line.split("FLASH by ")[1].split(" bytes")[0].replace(",", ""))
    # the rest of the firmware: protocol, start-up, the fully connected layer's generated GEMM
    # (61.5 KB measured with the dsp kernels at --optimize size, which auto picks here)
    assert 1_126_400 - 1_048_576 < overflow < 1_126_400 - 1_048_576 + 80_000
