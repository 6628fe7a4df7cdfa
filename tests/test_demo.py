"""`tinyvid demo`: every figure of its summary comes from a real step."""

from __future__ import annotations

import json
import shutil

import pytest

from tinyvid.demo import format_summary, run_demo


@pytest.mark.slow
@pytest.mark.emulated
@pytest.mark.skipif(shutil.which("cc") is None, reason="no host C compiler")
def test_demo_runs_the_whole_pipeline_and_its_summary_comes_from_the_board(tmp_path):
    lines = []
    result = run_demo(tmp_path / "demo", board="host", epochs=2, finetune_epochs=1, samples=6,
                      progress=False, log=lines.append)
    summary = result.summary()

    assert [line[:5] for line in lines] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
    assert (tmp_path / "demo" / "train" / "model.keras").is_file()
    assert (tmp_path / "demo" / "compress" / "model_int8.tflite").is_file()
    assert (tmp_path / "demo" / "project" / "build" / "firmware").is_file()
    assert json.loads((tmp_path / "demo" / "summary.json").read_text()) == summary
    # the board ran the test frames, and its raw outputs equal tflite-micro's
    assert summary["accuracy"]["board_frames"] == 6
    assert summary["bit_exact"] == {"exact": 6, "compared": 6, "max_lsb": 0}
    assert 0.0 <= summary["accuracy"]["on_board"] <= 1.0
    # sizes come from the emitted model and the linker
    assert summary["arena_bytes"] == result.project.manifest["arena_bytes"] > 0
    assert summary["flash_bytes"] == result.build.flash_used > 0
    assert summary["macs"] > 0 and summary["sparsity"] > 0.3
    text = format_summary(summary)
    assert "6/6 board outputs bit-exact with tflite-micro" in text
    assert "on the board" in text
