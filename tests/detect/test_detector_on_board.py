"""A small detector trained briefly, end to end: train -> compress (centroid scores per
stage) -> project -> build -> validate and stream on qemu-mps2-an386, where the
centroids the board decodes from its heat map are the host's decoding of
tflite-micro's output."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.emulated]
FRAMES = 6


def ok(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_a_detector_decodes_on_the_board_as_on_the_host(tmp_path):
    from tinyvid.compress.evaluate import tflite_outputs
    from tinyvid.data.dataset import Split
    from tinyvid.data.export import export_raw
    from tinyvid.data.objects import load_objects
    from tinyvid.detect.training import train_detector
    from tinyvid.model.reader import load_graph

    data = load_objects("synthetic", frames=150, seed=0)
    trained = train_detector(data, "fomo", alpha=0.25, epochs=2, out_dir=tmp_path / "train", progress=False)
    assert trained.record["task"] == "detection" and trained.record["detection"]["grid"] == [12, 12]

    report = json.loads(ok(["compress", trained.model_path, "-o", tmp_path / "c", "--json"]).stdout)
    assert [s["name"] for s in report["stages"]] == ["float", "int8"]
    for stage in report["stages"]:
        assert set(stage["detection"]) >= {"precision", "recall", "f1", "count_error", "tolerance_px"}
        assert stage["accuracy"] == stage["detection"]["f1"]
    assert report["stages"][1]["macs"] == trained.record["macs"] < 6_000_000
    int8 = tmp_path / "c" / "model_int8.tflite"
    from tinyvid.detect.firmware import recorded_threshold

    # training chose the threshold on validation; compress scored at it, and a project takes it by default
    assert report["options"]["threshold"] == trained.record["detection"]["threshold"] == recorded_threshold(int8)

    # a threshold just under the best object score of these frames: the board has peaks to decode
    x = data.test.x[:FRAMES]
    q = load_graph(int8).tensors[load_graph(int8).outputs[0]].quantization
    heat = tflite_outputs(int8.read_bytes(), x)
    best = int(heat[..., 1:].max())
    threshold = max(0.01, (best - 0.5 - q.zero_point) * q.scale)
    frames = export_raw(Split(x, np.zeros(FRAMES, np.int64), np.arange(FRAMES)), tmp_path / "frames")

    out = ok(["project", int8, "-b", "qemu-mps2-an386", "-o", tmp_path / "p", "--detect-threshold", f"{threshold:.6f}"])
    assert "centroids decoded on the board" in out.stdout
    assert (tmp_path / "p" / "tv_detect.c").is_file()
    ok(["build", tmp_path / "p"])
    result = json.loads(ok(["validate", "--project", tmp_path / "p", "--data", frames, "--samples", FRAMES,
                            "--json"]).stdout)
    assert result["compared"] == FRAMES and result["differing"] == 0
    assert result["detections_compared"] == FRAMES and result["detections_equal"] == FRAMES
    found = [int(s["board_detections"].split(";")[0]) for s in result["samples"]]
    assert sum(found) >= 1, result["samples"]
    assert all(s["board_detections"] == s["reference_detections"] for s in result["samples"])

    # streamed frames: the board prints the centroids of each frame's raw output, the host decodes the same
    streamed = json.loads(ok(["stream", "synthetic", "--project", tmp_path / "p", "--max-frames", 4, "--json"]).stdout)
    assert streamed["detections_compared"] == 4 and streamed["detections_match_host"] == 4


def test_a_classifier_project_has_no_detector(tmp_path, vww_model):
    from tinyvid.project import generate_project

    project = generate_project(vww_model, "qemu-mps2-an386", tmp_path / "p")
    assert "detector" not in project.manifest and not (tmp_path / "p" / "tv_detect.c").exists()
    assert "#define TV_DETECT 0" in (tmp_path / "p" / "tv_config.h").read_text()
    result = CliRunner().invoke(main, ["project", str(vww_model), "-o", str(tmp_path / "q"), "--detect-threshold", "0.5"])
    assert result.exit_code == 2 and "not a detector" in result.output
