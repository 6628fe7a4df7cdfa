"""The compression report: one row per stage (float, pruned, int8, ...), per-layer
structured-pruning losses, the TFLM cross-check; rendered as text or JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from tinyvid.compress.structured import LayerChange


@dataclass
class Stage:
    """One model along the compression pipeline, measured on the held-out test split."""

    name: str
    accuracy: float
    params: int
    macs: int
    tflite_bytes: int
    sparsity: float
    agreement_with_float: float | None = None  # top-1 agreement with the original float model
    agreement_with_source: float | None = None  # int8 only: with the float model it was quantized from
    note: str = ""
    #: a detector's centroid scores (tinyvid.detect.DetectionScore.to_dict); its accuracy is then the F1
    detection: dict | None = None

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.__dict__.items()}


@dataclass
class CompressionReport:
    model: str
    dataset: str
    test_frames: int
    options: dict
    stages: list[Stage] = field(default_factory=list)
    structured_layers: list[LayerChange] = field(default_factory=list)
    tflm: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "dataset": self.dataset,
            "test_frames": self.test_frames,
            "options": self.options,
            "stages": [s.to_dict() for s in self.stages],
            "structured_layers": [c.to_dict() for c in self.structured_layers],
            "tflm": self.tflm,
            "files": self.files,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def format_table(self) -> str:
        return format_report(self)


def _pct(v) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}%"


def _count(n: int) -> str:
    if n >= 10_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 100_000:
        return f"{n / 1e3:.0f}k"
    return f"{n:,}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def _detection_rows(report: CompressionReport) -> list[str]:
    base = report.stages[0]
    rows = []
    for s in report.stages:
        d = s.detection or {}
        delta = "-" if s is base else f"{100 * (s.accuracy - base.accuracy):+.1f}"
        rows.append([s.name, _pct(d.get("f1")), delta, _pct(d.get("precision")), _pct(d.get("recall")),
                     f"{d.get('count_error', float('nan')):.3f}", _count(s.params), _count(s.macs),
                     f"{s.tflite_bytes:,}", _pct(s.sparsity), s.note])
    first = report.stages[0].detection or {}
    tol, threshold = first.get("tolerance_px"), first.get("threshold")
    said = f"centroids (cells scoring at least {threshold:g}) within {tol:g} px of an object of their class count as found"
    return [said if tol and threshold is not None else "", ""] + _table(
        ["stage", "F1", "pts vs float", "precision", "recall", "count err", "params", "MACs", ".tflite bytes",
         "sparsity", "note"], rows)


def format_report(report: CompressionReport) -> str:
    out = [f"compression of {report.model} on {report.dataset} (test split: {report.test_frames} frames)", ""]
    if report.stages and all(s.detection for s in report.stages):
        out = out[:1] + _detection_rows(report)
        return "\n".join(out + _report_tail(report))
    base = report.stages[0] if report.stages else None
    rows = []
    for s in report.stages:
        delta = "-" if base is None or s is base else f"{100 * (s.accuracy - base.accuracy):+.1f}"
        rows.append([
            s.name, _pct(s.accuracy), delta, _count(s.params), _count(s.macs),
            f"{s.tflite_bytes:,}", _pct(s.sparsity), _pct(s.agreement_with_float), s.note,
        ])
    out += _table(["stage", "accuracy", "pts vs float", "params", "MACs", ".tflite bytes", "sparsity", "agree w/ float", "note"], rows)
    return "\n".join(out + _report_tail(report))


def _report_tail(report: CompressionReport) -> list[str]:
    out = []
    if report.structured_layers:
        out += ["", "structured pruning, per layer:"]
        rows = [
            [c.name, c.kind, f"{c.in_channels[0]} -> {c.in_channels[1]}", f"{c.out_channels[0]} -> {c.out_channels[1]}",
             f"{_count(c.macs[0])} -> {_count(c.macs[1])}", f"{_count(c.params[0])} -> {_count(c.params[1])}"]
            for c in report.structured_layers
        ]
        out += _table(["layer", "type", "in ch", "out ch", "MACs", "params"], rows)
    if report.tflm:
        t = report.tflm
        what = "logits (softmax input)" if t.get("compared") == "logits" else "outputs"
        line = (f"tflite-micro vs LiteRT reference kernels on {t['frames']} test frames: {what} differ by at most "
                f"{t['max_lsb']} LSB ({'agree' if t['agree'] else 'DISAGREE'}, tolerance {t['tolerance_lsb']} LSB)")
        if t.get("compared") == "logits":
            line += f"; outputs by at most {t['output_max_lsb']} LSB"
        out += ["", line]
    if report.files:
        out += ["", "wrote: " + ", ".join(str(p) for p in report.files.values())]
    return out
