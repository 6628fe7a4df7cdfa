"""A real two-point sweep (gate on and off): trained, compressed, built and streamed on
the emulated board; interrupted, resumed, and rerun from the cache."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

import tinyvid.video
from tinyvid.cli import main
from tinyvid.sweep import Budget, Settings, make_grid, run_sweep

pytestmark = [pytest.mark.slow, pytest.mark.emulated]

#: tiny: one training epoch on a small synthetic set, a short clip
SETTINGS = Settings(epochs=1, finetune_epochs=1, clips_per_class=20, stream_frames=60, board="qemu-mps2-an386")
AXES = {"resolution": "24", "width": "0.5", "gate": "on,off"}


def _done_markers(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.glob("*/*/done.json")}


def test_a_sweep_interrupted_resumes_and_a_rerun_measures_nothing(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    grid = make_grid(**AXES)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    real_stream = tinyvid.video.stream
    monkeypatch.setattr(tinyvid.video, "stream", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(grid, SETTINGS, out_dir=out, log=lambda line: None)
    assert sorted(p.split("/")[0] for p in _done_markers(out)) == ["build", "compress", "train"]
    monkeypatch.setattr(tinyvid.video, "stream", real_stream)

    lines: list[str] = []
    first = run_sweep(grid, SETTINGS, out_dir=out, log=lines.append)
    stage_lines = [line.strip() for line in lines if line.startswith("      ")]
    assert [line.split(":")[0] for line in stage_lines] == ["train", "compress", "build + bench", "stream gate on",
                                                            "train", "compress", "build + bench", "stream gate off"]
    assert [("cached" in line) for line in stage_lines] == [True, True, True, False, True, True, True, False]
    assert first.measured == 2 and not first.errors

    on, off = first.records
    assert (on["gate"], off["gate"]) == (True, False)
    for r in (on, off):
        assert r["fits"] and r["frames"] == 60 and r["frames_lost"] == 0
        assert r["bit_exact_frames"] == r["frames_inferred"] > 0  # every inferred frame equals tflite-micro
        assert r["instructions"] > 0 and r["arena_bytes"] > 0 and 0 < r["flash_bytes"] <= 4_194_304
    assert off["frames_inferred"] == 60 and on["frames_inferred"] < 60
    assert on["instructions"] == off["instructions"]  # one firmware, one model
    assert on["energy_per_frame_uj"] < off["energy_per_frame_uj"]
    assert [r["key"] for r in first.front] == [on["key"]]  # same accuracy, less energy per frame
    assert first.recommendation.point["key"] == on["key"]

    rows = list(csv.DictReader(open(out / "sweep.csv")))
    assert [(row["gate"], row["pareto"], row["recommended"]) for row in rows] == [("on", "1", "1"), ("off", "0", "0")]
    saved = json.loads((out / "sweep.json").read_text())
    assert saved["pareto_front"] == [on["key"]] and saved["recommendation"]["point"]["key"] == on["key"]
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    markers = _done_markers(out)
    again: list[str] = []
    second = run_sweep(grid, SETTINGS, out_dir=out, log=again.append)
    assert second.measured == 0
    assert all("cached" in line for line in again if line.startswith("      "))
    assert second.records == first.records
    assert _done_markers(out) == markers  # nothing re-measured, nothing rewritten

    # the command over the same cache: a budget nothing meets is exit 1, else 0
    args = ["sweep", "--resolution", "24", "--width", "0.5", "--gate", "on,off", "--epochs", "1", "--finetune-epochs",
            "1", "--clips-per-class", "20", "--stream-frames", "60", "-o", str(out)]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert "2 points, 0 measured in this run, 2 from the cache" in ok.output
    assert "recommended for qemu-mps2-an386" in ok.output
    tight = CliRunner().invoke(main, [*args, "--max-energy-uj", "0.001"])
    assert tight.exit_code == 1
    assert "no point fits qemu-mps2-an386 within the budget (max_energy_uj 0.001)" in tight.output
    assert Budget(max_energy_uj=0.001).breaks(on) == [f"energy {on['energy_per_frame_uj']:,.1f} uJ/frame > 0.001 uJ"]
