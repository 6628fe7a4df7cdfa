"""ONNX models reach a board: the PyTorch model of test_torch_import, pruned 50% in
PyTorch and written with ``torch.onnx.export`` (NCHW), is imported with ``tinyvid
import model.onnx`` (onnx2tf, in its own environment) as an NHWC graph without
transposes, quantized to int8 with its zeros kept, within a point of PyTorch, and
bit-exact with tflite-micro on qemu-mps2-an386."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinyvid.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_models as tm  # noqa: E402
from torch_models import check_int8_report, check_on_board, ok, opcodes  # noqa: E402


@pytest.mark.slow
@pytest.mark.emulated
def test_a_pytorch_model_exported_to_onnx_is_imported_nhwc_quantized_and_bit_exact_on_the_board(tmp_path):
    from tinyvid.compress.pipeline import compress

    torch = tm.require_torch()
    trained = tm.trained_pruned_net(torch)
    onnx_file = tmp_path / "model.onnx"
    torch.onnx.export(trained.net.eval(), (torch.zeros(1, 1, 24, 24),), str(onnx_file), input_names=["image"],
                      output_names=["logits"], external_data=False)
    imported = tmp_path / "import"
    result = ok(["import", onnx_file, "-o", imported])
    assert "kind       onnx (converted to float .tflite)" in result.output
    record = json.loads((imported / "model.json").read_text())
    assert record["input_shape"] == [24, 24, 1] and record["num_classes"] == 3
    float_ops = opcodes((imported / "model.tflite").read_bytes())
    assert "TRANSPOSE" not in float_ops and float_ops.count("DEPTHWISE_CONV_2D") >= 2  # NHWC, layer by layer

    report = compress(imported / "model.tflite", trained.dataset, out_dir=tmp_path / "compress", progress=False)
    check_int8_report(report, trained)
    inspected = json.loads(ok(["inspect", onnx_file, "--json"]).stdout)  # inspect converts it the same way
    assert inspected["total_macs"] == report.stages[-1].macs == record["model"]["macs"]
    check_on_board(tmp_path / "compress" / "model_int8.tflite", trained.dataset, tmp_path)


def test_an_onnx_file_onnx2tf_cannot_read_is_one_error_line(tmp_path):
    from tinyvid.model.onnx_import import converter_dir

    if not (converter_dir() / ".tinyvid-ready").is_file():
        pytest.skip("onnx2tf's environment is set up by the first ONNX import (the slow test above)")
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07 this is not a protobuf of a graph")
    result = CliRunner().invoke(main, ["import", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: onnx2tf cannot convert broken.onnx") and lines[1].startswith("hint: export")
