"""Video through real firmware: the emulated Cortex-M4F (vww, 96x96x3, frames read
through semihosting) and the host board (resnet8, frames over its serial link)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.video import GateConfig, SmoothConfig, calibrate, load_stream, stream

pytestmark = pytest.mark.emulated


def test_a_real_clip_streams_bit_exact_with_little_transfer_overhead(vww_qemu, clip):
    result = stream(str(clip("vtest.avi")), project=vww_qemu, fps=5, max_frames=24, gate=GateConfig(on=False))
    r = result.report
    assert r["frames"] == r["frames_received"] == r["frames_inferred"] == 24
    assert r["frames_lost"] == r["frames_duplicated"] == r["frames_corrupt"] == 0
    assert r["bit_exact_frames"] == 24 and not result.failed
    assert r["transfer_overhead_fraction"] <= 0.10
    assert r["work_unit"] == "instructions" and r["fps_board"] > 0 and r["energy_per_frame_uj"] > 0


def test_the_gate_skips_still_frames_of_a_static_camera_and_keeps_the_events(vww_qemu):
    frames = load_stream("synthetic", (96, 96, 3), max_frames=300)
    cal = calibrate(frames.frames, frames.active, target_recall=0.99)
    r = stream("synthetic", project=vww_qemu, max_frames=300, gate=cal.config).report
    assert r["frames_skipped"] >= 0.5 * r["frames"]
    assert r["event_recall"] >= 0.99 and r["events_missed"] == 0 and r["events"] >= 2
    assert r["gate_cost_fraction"] <= 0.01
    assert r["gate_matches_host"] and r["bit_exact_frames"] == r["frames_inferred"]
    assert r["energy_saved_fraction"] > 0.3


def test_a_moving_camera_keeps_the_gate_open_and_the_refresh_bounds_the_gaps(vww_qemu, clip):
    frames = load_stream("synthetic", (96, 96, 3), max_frames=300)
    gate = calibrate(frames.frames, frames.active).config
    moving = stream("synthetic-moving", project=vww_qemu, max_frames=60, gate=gate).report
    assert moving["gate_open_fraction"] >= 0.8 and moving["gate_matches_host"]
    # a real clip whose slow scene keeps the gate shut most of the time
    tree = stream(str(clip("tree.avi")), project=vww_qemu, gate=gate).report
    assert tree["max_gap_frames"] <= gate.refresh - 1
    assert tree["frames_skipped"] > 0 and tree["bit_exact_frames"] == tree["frames_inferred"]


def test_the_serial_link_detects_corrupt_duplicated_and_lost_frames(resnet8_host):
    from tinyvid.harness.session import open_board
    from tinyvid.video.link import StreamLink

    payloads = [np.random.default_rng(i).integers(0, 256, 3072, dtype=np.uint8).tobytes() for i in range(4)]
    with open_board(project=resnet8_host) as session:
        link = StreamLink(session.client)
        link.setup(GateConfig(on=False), SmoothConfig())
        statuses = [link.send(0, payloads[0])[0].status,
                    link.send(1, payloads[1], crc=0x1234)[0].status,  # corrupt
                    link.send(0, payloads[0])[0].status,              # duplicate
                    link.send(3, payloads[3])[0].status]              # 1 and 2 missing
        stats = link.stats()
    assert statuses == ["ok", "corrupt", "duplicate", "ok"]
    assert (stats["corrupt"], stats["duplicate"], stats["lost"], stats["frames"]) == (1, 1, 2, 2)


@pytest.mark.parametrize("smooth", ["avg", "vote", "hyst"])
def test_the_board_smooths_as_the_host_does(resnet8_host, smooth):
    result = CliRunner().invoke(main, ["stream", "synthetic", "--project", str(resnet8_host), "--max-frames", "40",
                                       "--link", "serial", "--smooth", smooth, "--smooth-window", "4",
                                       "--hyst-on", "-20", "--hyst-off", "-60", "--json"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.stdout)
    for key in ("frames", "frames_inferred", "frames_skipped", "frames_lost", "bit_exact_frames", "fps_board",
                "energy_per_frame_uj", "flicker_smoothed_per_min"):
        assert key in r
    assert r["smoothing_matches_host"] and r["gate_matches_host"] and r["bit_exact_frames"] == r["frames_inferred"]
    assert r["link"] == "serial" and r["frames_lost"] == 0


def test_outputs_are_written_and_a_missing_camera_is_a_clear_error(resnet8_host, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["stream", "--camera", "7", "--project", str(resnet8_host)])
    assert result.exit_code == 2
    assert "error: cannot open camera 7" in result.stderr and "hint:" in result.stderr
    result = runner.invoke(main, ["stream", "synthetic", "--project", str(resnet8_host), "--max-frames", "12",
                                  "-o", str(tmp_path / "out"), "--video-out", str(tmp_path / "v.mp4")])
    assert result.exit_code == 0, result.output
    assert "preprocessing  centre crop" in result.stdout
    for name in ("stream.json", "timeline.csv", "timeline.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    import cv2

    video = cv2.VideoCapture(str(tmp_path / "v.mp4"))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    video.release()
