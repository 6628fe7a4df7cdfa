import json

from tinyvid.compress.report import CompressionReport, Stage
from tinyvid.compress.structured import LayerChange


def _report():
    report = CompressionReport(model="m.keras", dataset="synthetic", test_frames=100, options={"sparsity": 0.5})
    report.stages = [
        Stage("float", 0.91, 25000, 2_100_000, 104_000, 0.0, 1.0, note="original"),
        Stage("pruned", 0.90, 25000, 2_100_000, 104_000, 0.5, 0.97),
        Stage("int8", 0.895, 25000, 2_100_000, 31_000, 0.5, 0.96, 0.99, "post-training"),
    ]
    report.structured_layers = [LayerChange("conv1", "Conv2D", (1, 1), (8, 4), (72, 36), (165888, 82944))]
    report.tflm = {"frames": 16, "compared": "logits", "max_lsb": 1, "output_max_lsb": 4, "tolerance_lsb": 1,
                   "frames_differing": 2, "agree": True}
    return report


def test_json_has_every_stage_with_its_measurements():
    data = json.loads(_report().to_json())
    assert [s["name"] for s in data["stages"]] == ["float", "pruned", "int8"]
    assert data["stages"][2]["agreement_with_source"] == 0.99
    assert data["structured_layers"][0]["out_channels"] == [8, 4]
    assert data["tflm"]["agree"] is True


def test_table_shows_accuracy_deltas_layers_and_tflm_check():
    text = _report().format_table()
    assert "-1.5" in text  # int8 vs float, in points
    assert "8 -> 4" in text
    assert "logits (softmax input) differ by at most 1 LSB (agree, tolerance 1 LSB); outputs by at most 4 LSB" in text
    assert "31,000" in text


def test_nan_accuracy_becomes_null_in_json():
    report = _report()
    report.stages[0].accuracy = float("nan")
    assert json.loads(report.to_json())["stages"][0]["accuracy"] is None
