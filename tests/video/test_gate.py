"""The host mirror of the board's gate and smoothing, and the calibration (no board)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyvid.errors import UsageError
from tinyvid.video import GateConfig, SmoothConfig, calibrate, load_stream, run_gate, smooth
from tinyvid.video.gate import gate_recall, roi_mask
from tinyvid.video.link import HEADER, pack_frame


def test_a_still_scene_is_skipped_until_the_forced_refresh():
    frames = np.full((40, 32, 32, 3), 90, np.uint8)
    trace = run_gate(frames, GateConfig(refresh=10, hold=0))
    assert trace.reason[0] == "first"
    assert np.flatnonzero(trace.infer).tolist() == [0, 10, 20, 30]
    assert set(trace.reason[1:10]) == {"still"}


def test_motion_runs_the_model_then_holds():
    frames = np.full((12, 32, 32, 1), 50, np.uint8)
    frames[5, :8, :8] = 200  # one block changes in one frame
    trace = run_gate(frames, GateConfig(cells=4, step=1, thr=10, hold=2, refresh=0))
    assert trace.reason[5:9] == ["motion", "hold", "hold", "still"]
    assert trace.score[5] == 1


def test_a_region_of_interest_ignores_motion_outside_it():
    frames = np.full((6, 32, 32, 1), 50, np.uint8)
    frames[3, :8, :8] = 200  # top left
    mask = roi_mask(4, (0.0, 0.5, 1.0, 1.0))  # bottom half only
    assert not run_gate(frames, GateConfig(cells=4, step=1, hold=0, refresh=0), roi=mask).infer[1:].any()
    with pytest.raises(UsageError):
        roi_mask(4, (0.5, 0.5, 0.2, 1.0))


def test_smoothing_average_rounds_half_up_and_votes_keep_their_label():
    raw = np.array([[10, 0], [-3, 0], [0, 1], [0, 9], [0, 9]], np.int8)
    smoothed, labels = smooth(raw, SmoothConfig(mode="avg", n=2))
    assert smoothed[:, 0].tolist() == [10, 4, -1, 0, 0]  # (10 - 3) / 2 = 3.5 -> 4; -1.5 -> -1
    _, votes = smooth(raw, SmoothConfig(mode="vote", n=3, k=3))
    assert votes.tolist() == [0, 0, 0, 1, 1]  # frames 1-3 all have class 1 on top
    _, hyst = smooth(raw, SmoothConfig(mode="hyst", on=5, off=-5))
    assert hyst.tolist() == [0, 0, 0, 1, 1]


def test_calibration_reaches_the_target_recall_on_the_static_synthetic_stream():
    frames = load_stream("synthetic", (96, 96, 3), max_frames=300)
    cal = calibrate(frames.frames, frames.active, target_recall=0.99)
    assert cal.recall >= 0.99 and cal.events_missed == 0 and cal.events >= 2
    assert cal.skipped >= 0.5
    trace = run_gate(frames.frames, cal.config)
    assert gate_recall(trace.infer, frames.active)[0] == cal.recall


def test_a_frame_is_a_header_with_length_crc_and_sequence():
    import zlib

    data = pack_frame(7, b"abc")
    magic, seq, length, crc = HEADER.unpack(data[:16])
    assert (magic, seq, length, crc, data[16:]) == (b"TVF1", 7, 3, zlib.crc32(b"abc"), b"abc")


def test_the_preprocessing_policy_is_stated():
    frames = load_stream("synthetic", (48, 48, 1), max_frames=5)
    assert frames.frames.shape == (5, 48, 48, 1)
    assert "centre crop" in frames.policy and "grey" in frames.policy
