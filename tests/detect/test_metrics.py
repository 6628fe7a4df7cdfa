"""Centroid precision / recall / F1 at a distance tolerance, count error, cell targets."""

from __future__ import annotations

import numpy as np
import pytest

from tinyvid.detect import cell_targets, score_detections
from tinyvid.detect.evaluate import score_heatmaps


def test_a_centroid_within_the_tolerance_and_of_the_right_class_is_found():
    truth = [np.array([[1, 10, 10], [2, 50, 50]], np.float32)]
    pred = [np.array([[1, 13, 14], [1, 50, 50]], np.float32)]  # 5 px off; right place, wrong class
    s = score_detections(pred, truth, tolerance_px=5.0)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (1, 1, 1)
    assert s.precision == s.recall == s.f1 == 0.5
    assert s.count_error == 2.0  # class 1: 2 vs 1, class 2: 0 vs 1
    assert score_detections(pred, truth, tolerance_px=4.9).true_positives == 0


def test_each_object_is_matched_once_the_closest_pair_first():
    truth = [np.array([[1, 10, 10]], np.float32)]
    pred = [np.array([[1, 14, 10], [1, 11, 10]], np.float32)]
    s = score_detections(pred, truth, tolerance_px=8.0)
    assert (s.true_positives, s.false_positives, s.false_negatives) == (1, 1, 0)
    assert s.count_error == 1.0


def test_empty_frames_score_perfectly_and_a_miss_counts():
    s = score_detections([np.zeros((0, 3)), np.zeros((0, 3))], [np.zeros((0, 5)), np.array([[1, 5, 5, 2, 2]])], 3.0)
    assert (s.true_positives, s.false_negatives, s.frames) == (0, 1, 2)
    assert s.recall == 0.0 and s.f1 == 0.0 and s.count_error == 0.5
    perfect = score_detections([np.zeros((0, 3))], [np.zeros((0, 5))], 3.0)
    assert perfect.precision == perfect.recall == 1.0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        score_detections([np.zeros((0, 3))], [], 3.0)
    with pytest.raises(ValueError):
        score_detections([np.zeros((0, 3))], [np.zeros((0, 3))], 0.0)


def test_each_object_marks_the_cell_of_its_centroid():
    objs = [np.array([[1, 10, 10, 4, 4], [2, 95.9, 0, 1, 1], [1, 96, 40, 1, 1], [2, 11, 12, 1, 1]], np.float32)]
    t = cell_targets(objs, (12, 12), (96, 96))
    assert t.shape == (1, 12, 12)
    assert t[0, 1, 1] == 1 and t[0, 0, 11] == 2  # the second object in cell (1, 1) does not replace the first
    assert np.count_nonzero(t) == 2  # x = 96 is outside the picture


def test_a_heat_map_of_the_targets_scores_perfectly():
    objs = [np.array([[1, 20, 30, np.nan, np.nan], [2, 70, 70, np.nan, np.nan]], np.float32), np.zeros((0, 5))]
    t = cell_targets(objs, (12, 12), (96, 96))
    maps = np.eye(3, dtype=np.float32)[t]  # one-hot probabilities
    s = score_heatmaps(maps, objs, (96, 96))
    assert s.f1 == 1.0 and s.count_error == 0.0 and s.tolerance_px == 12.0
