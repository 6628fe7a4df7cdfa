"""The shared MLPerf Tiny models (vww, resnet8) on the host and every QEMU board:
project, build, run; the board's raw int8 outputs and its m-results are those of
tflite-micro for the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
from dut_client import DutClient
from helpers import have_arm_toolchain, have_qemu

from tinyvid.build import build_project, launch_board
from tinyvid.project import generate_project

BOARDS = ["host", "qemu-mps2-an386", "qemu-mps2-an500", "qemu-mps2-an505", "qemu-mps3-an547", "qemu-netduinoplus2"]
INPUTS = 2

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (have_qemu() and have_arm_toolchain()), reason="needs qemu-system-arm and arm-none-eabi-gcc"),
]


@pytest.fixture(scope="module", params=["vww", "resnet8"])
def model(request, vww_model, resnet8_model):
    return {"vww": vww_model, "resnet8": resnet8_model}[request.param]


def _reference(model_path, pixels: np.ndarray) -> np.ndarray:
    from tinyvid.model.reference import tflm_invoke

    return tflm_invoke(model_path, [(pixels.astype(np.int16) - 128).astype(np.int8)])[0].reshape(-1).astype(np.int8)


def _results(manifest: dict, out: np.ndarray) -> str:
    scale, zero_point = np.float32(manifest["output"]["scale"]), np.float32(manifest["output"]["zero_point"])
    values = (out.astype(np.float32) - zero_point) * scale
    return "m-results-[" + ",".join("%0.3f" % float(v) for v in values) + "]"


@pytest.mark.parametrize("board", ["nucleo-l4r5zi", "nucleo-f446re"])
def test_real_boards_build_the_model_without_warnings_within_their_memory(tmp_path, model, board):
    project = generate_project(model, board, tmp_path / "p")
    result = build_project(project.path)
    assert result.warnings == ()
    assert project.manifest["arena_bytes"] < result.ram_used < result.ram_bytes
    assert 0 < result.flash_used < result.flash_bytes


@pytest.mark.emulated
@pytest.mark.parametrize("board", BOARDS)
def test_board_outputs_match_tflite_micro(tmp_path, model, board):
    project = generate_project(model, board, tmp_path / "p")
    assert project.conversion == "uint8" and project.model_id in ("vww01", "ic01")
    result = build_project(project.path)
    assert result.warnings == ()
    size = project.manifest["input"]["file_bytes"]
    rng = np.random.default_rng(7)
    inputs = [rng.integers(0, 256, size, dtype=np.uint8) for _ in range(INPUTS)]
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for pixels in inputs:
            expected = _reference(model, pixels)
            assert dut.tv_load(pixels.tobytes(), timeout=60) == ["m-load-done", "m-ready"]
            reply = dut.command("tv-infer", timeout=60)
            assert reply[1] == f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]"
            reply = dut.command("infer 1 0", timeout=60)
            assert reply[-2] == _results(project.manifest, expected)
        if model.name.startswith("resnet8") or board == "qemu-mps2-an386":
            # the standard accuracy-run way: db load + 31-byte hex commands + infer 1 0
            pixels = rng.integers(0, 256, size, dtype=np.uint8)
            assert dut.command(f"db load {size}") == [f"m-[Expecting {size} bytes]", "m-ready"]
            for start in range(0, size, 31):
                dut.send(f"db {pixels[start:start + 31].tobytes().hex()}%".encode())
            last = []
            while "m-load-done" not in last:
                last = dut.reply(timeout=60)
            reply = dut.command("infer 1 0", timeout=60)
            assert reply[-2] == _results(project.manifest, _reference(model, pixels))


@pytest.fixture(scope="module")
def default_model(tmp_path_factory):
    """tinyvid's default architecture (tiny_cnn) for the built-in synthetic frames,
    int8-quantized: the graph the demo trains (its weights here are untrained)."""
    from tinyvid import _tf
    from tinyvid.compress.quantize import representative_frames, to_int8_tflite
    from tinyvid.data import load_dataset
    from tinyvid.train.architectures import DEFAULT_ARCH, build_model

    _tf.set_seed(0)
    dataset = load_dataset("synthetic", seed=0)
    model = build_model(DEFAULT_ARCH, (*dataset.image_size, dataset.channels), len(dataset.class_names))
    path = tmp_path_factory.mktemp("default") / "default_int8.tflite"
    path.write_bytes(to_int8_tflite(model, representative_frames(dataset.train.x)))
    return path


@pytest.mark.emulated
@pytest.mark.parametrize("board", ["host", "qemu-mps2-an386"])
def test_default_architecture_matches_tflite_micro(tmp_path, default_model, board):
    project = generate_project(default_model, board, tmp_path / "p")
    assert project.conversion == "uint8"  # input scale 1/255, zero point -128
    assert build_project(project.path).warnings == ()
    size = project.manifest["input"]["file_bytes"]
    rng = np.random.default_rng(11)
    with launch_board(project.path) as running, DutClient.connect(running.url) as dut:
        dut.reply()
        for _ in range(INPUTS):
            pixels = rng.integers(0, 256, size, dtype=np.uint8)
            expected = _reference(default_model, pixels)
            dut.tv_load(pixels.tobytes(), timeout=60)
            assert dut.command("tv-infer", timeout=60)[1] == f"m-tv-output-[{expected.astype(np.uint8).tobytes().hex()}]"
            assert dut.command("infer 1 0", timeout=60)[-2] == _results(project.manifest, expected)
