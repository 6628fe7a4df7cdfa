"""Centroid precision, recall and F1 at a distance tolerance, and count error.

A predicted centroid is a true positive when it is matched to a ground-truth object
of the same class within the tolerance; each object is matched at most once, the
closest pairs first. Counts: per frame and class, |predicted - true| objects; the
count error is their sum per frame, averaged over frames.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

#: default distance tolerance, in cells of the heat map (1.5 cells: 12 px at 96x96 / 8)
DEFAULT_TOLERANCE_CELLS = 1.5


@dataclass(frozen=True)
class DetectionScore:
    true_positives: int
    false_positives: int
    false_negatives: int
    frames: int
    count_error: float  # mean over frames of sum over classes |predicted - true|
    tolerance_px: float

    @property
    def precision(self) -> float:
        n = self.true_positives + self.false_positives
        return self.true_positives / n if n else (1.0 if self.false_negatives == 0 else 0.0)

    @property
    def recall(self) -> float:
        n = self.true_positives + self.false_negatives
        return self.true_positives / n if n else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def _match(pred: np.ndarray, true: np.ndarray, tolerance: float) -> int:
    """True positives of one frame: greedy matching of same-class pairs, closest first."""
    if not len(pred) or not len(true):
        return 0
    d = np.hypot(pred[:, None, 1] - true[None, :, 1], pred[:, None, 2] - true[None, :, 2])
    d[pred[:, None, 0] != true[None, :, 0]] = np.inf
    pairs = sorted((d[i, j], i, j) for i, j in zip(*np.nonzero(d <= tolerance)))
    used_p, used_t = set(), set()
    for _, i, j in pairs:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    return len(used_p)


def score_detections(predicted, truth, tolerance_px: float) -> DetectionScore:
    """Score per-frame predicted centroids against ground truth.

    ``predicted`` and ``truth`` hold one array per frame of rows (class, x, y, ...) in
    input pixels; only the first three columns are used.
    """
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} frames of predictions for {len(truth)} frames of ground truth")
    if not tolerance_px > 0 or math.isinf(tolerance_px):
        raise ValueError(f"the distance tolerance must be a positive number of pixels, not {tolerance_px}")
    tp = fp = fn = 0
    count_err = 0.0
    for p, t in zip(predicted, truth):
        p = np.asarray(p, np.float64).reshape(-1, max(3, np.shape(p)[-1] if np.size(p) else 3))[:, :3]
        t = np.asarray(t, np.float64).reshape(-1, max(3, np.shape(t)[-1] if np.size(t) else 3))[:, :3]
        hits = _match(p, t, tolerance_px)
        tp += hits
        fp += len(p) - hits
        fn += len(t) - hits
        classes = set(p[:, 0].astype(int)) | set(t[:, 0].astype(int))
        count_err += sum(abs(int(np.sum(p[:, 0] == c)) - int(np.sum(t[:, 0] == c))) for c in classes)
    frames = len(truth)
    return DetectionScore(tp, fp, fn, frames, count_err / frames if frames else 0.0, float(tolerance_px))
