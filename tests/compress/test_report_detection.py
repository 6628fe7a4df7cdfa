"""The compression report of a detector: centroid F1, precision, recall and count error per stage."""

from __future__ import annotations

from tinyvid.compress.report import CompressionReport, Stage, format_report


def _stage(name, f1, sparsity=0.0):
    d = {"f1": f1, "precision": 0.9, "recall": 0.8, "count_error": 0.25, "tolerance_px": 12.0, "threshold": 0.7}
    return Stage(name=name, accuracy=f1, params=100, macs=4_861_440, tflite_bytes=1000, sparsity=sparsity,
                 note=name, detection=d)


def test_a_detector_report_shows_centroid_scores_instead_of_accuracy():
    report = CompressionReport("m.keras", "synthetic-objects", 450, {"task": "detection"},
                               stages=[_stage("float", 0.9), _stage("int8", 0.905, 0.5)])
    text = format_report(report)
    lines = text.splitlines()
    assert "cells scoring at least 0.7" in lines[1] and "12 px" in lines[1]
    header = next(line for line in lines if line.startswith("stage"))
    assert header.split()[:6] == ["stage", "F1", "pts", "vs", "float", "precision"]
    assert "accuracy" not in header
    int8 = next(line for line in lines if line.startswith("int8"))
    assert "90.5%" in int8 and "+0.5" in int8 and "0.250" in int8 and "4861k" in int8
    assert report.to_dict()["stages"][1]["detection"]["f1"] == 0.905


def test_a_classifier_report_keeps_its_accuracy_table():
    stage = Stage(name="float", accuracy=0.9, params=100, macs=1000, tflite_bytes=1000, sparsity=0.0)
    text = format_report(CompressionReport("m.keras", "synthetic", 10, {}, stages=[stage]))
    assert "accuracy" in text and "F1" not in text
