"""The .tflite reader: real models read completely, bad bytes give a ModelError."""

from __future__ import annotations

import numpy as np
import pytest

from tinyvid.errors import ModelError
from tinyvid.model.reader import load_graph


def test_reads_every_operator_and_tensor_of_the_vww_model(vww_model):
    g = load_graph(vww_model)
    assert g.opcodes == ["CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    assert len(g.operators) == 31
    inp = g.input_tensors()[0]
    assert inp.shape == (1, 96, 96, 3) and inp.dtype == "int8"
    assert inp.quantization.zero_point == -128
    assert abs(inp.quantization.scale - 1 / 255) < 1e-6
    assert g.output_tensors()[0].shape == (1, 2)


def test_decodes_builtin_options_of_convolutions(vww_model):
    op = load_graph(vww_model).operators[0]
    assert op.opcode == "CONV_2D"
    assert op.options["padding"] == "SAME"
    assert (op.options["stride_h"], op.options["stride_w"]) == (2, 2)
    assert op.options["fused_activation_function"] == "RELU"
    assert op.options["dilation_h_factor"] == 1


def test_reads_per_channel_weights_as_numpy(resnet8_model):
    g = load_graph(resnet8_model)
    w = g.tensors[g.operators[0].inputs[1]]
    assert w.data is not None and w.data.dtype == np.int8 and w.data.shape == w.shape == (16, 3, 3, 3)
    assert w.quantization.per_channel and len(w.quantization.scales) == 16
    assert w.quantization.quantized_dimension == 0
    assert g.tensors[g.operators[0].outputs[0]].data is None


def test_rejects_a_file_that_is_not_tflite(tmp_path):
    p = tmp_path / "notes.tflite"
    p.write_text("this is not a model")
    with pytest.raises(ModelError, match="not a TFLite model"):
        load_graph(p)


def test_rejects_an_empty_and_a_missing_file(tmp_path):
    p = tmp_path / "empty.tflite"
    p.write_bytes(b"")
    with pytest.raises(ModelError):
        load_graph(p)
    with pytest.raises(ModelError, match="not found"):
        load_graph(tmp_path / "missing.tflite")


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.95])
def test_rejects_truncated_models(resnet8_model, fraction):
    data = resnet8_model.read_bytes()
    with pytest.raises(ModelError, match="corrupt or truncated"):
        load_graph(data[: int(len(data) * fraction)])


def test_mutated_flatbuffers_read_or_fail_cleanly(resnet8_model):
    data = resnet8_model.read_bytes()
    rng = np.random.default_rng(1)
    outcomes = {"read": 0, "error": 0}
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(int(rng.integers(1, 12))):
            mutated[int(rng.integers(0, 4096))] = int(rng.integers(0, 256))
        try:
            g = load_graph(bytes(mutated))
            assert all(d >= 0 for t in g.tensors for d in t.shape)
            outcomes["read"] += 1
        except ModelError as exc:
            assert exc.hint
            outcomes["error"] += 1
    assert outcomes["error"] > 0
