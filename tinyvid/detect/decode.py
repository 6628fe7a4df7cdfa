"""Centroids from a heat map: the peaks of each object class above a threshold.

The exact rule the firmware's ``tv_detect.c`` runs on the int8 heat map, so board and
host decode to the very same detections:

1. each cell takes its best object class (classes 1..K-1; class 0 is background; a
   tie goes to the lower class) and that class's score;
2. a cell is a detection if its score is at least ``threshold`` and it is a peak of
   that class's map: greater than the same class's score in each of its 8 neighbours
   that come earlier in row-major order, and at least as great as in those that come
   later (a plateau keeps only its first cell);
3. detections are listed in row-major order, at most ``max_detections`` of them
   (``count`` still counts all peaks).

It works on int8 maps (the board's) and on float probability maps (a float model's)
alike; the threshold is in the map's own units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: at most this many detections are listed per frame (the firmware's TV_DETECT_MAX)
MAX_DETECTIONS = 32
#: default score threshold, as a probability
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Detection:
    cls: int    # object class (1..K-1)
    row: int    # cell row
    col: int    # cell column
    score: float  # the class's score in that cell (int8 value on an int8 map)


def int8_threshold(probability: float, scale: float, zero_point: int) -> int:
    """The smallest int8 value whose dequantized score is at least ``probability``."""
    q = int(np.ceil(np.float64(probability) / np.float64(scale) - 1e-9)) + int(zero_point)
    return int(np.clip(q, -128, 127))


def decode_heatmap(heat: np.ndarray, threshold, *, max_detections: int = MAX_DETECTIONS) -> tuple[list[Detection], int]:
    """``(detections, count)`` of one ``rows x cols x K`` heat map (see the module rule)."""
    heat = np.asarray(heat)
    if heat.ndim != 3 or heat.shape[2] < 2:
        raise ValueError(f"a heat map is rows x cols x classes (with background), not {heat.shape}")
    rows, cols, _ = heat.shape
    obj = heat[:, :, 1:]
    best = np.argmax(obj, axis=2)  # first maximum: the lower class wins a tie
    dets: list[Detection] = []
    count = 0
    for r in range(rows):
        for c in range(cols):
            k = int(best[r, c])
            s = obj[r, c, k]
            if s < threshold:
                continue
            peak = True
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if (dr == 0 and dc == 0) or not (0 <= rr < rows and 0 <= cc < cols):
                        continue
                    n = obj[rr, cc, k]
                    earlier = dr < 0 or (dr == 0 and dc < 0)
                    if (earlier and not s > n) or (not earlier and not s >= n):
                        peak = False
            if peak:
                count += 1
                if len(dets) < max_detections:
                    dets.append(Detection(k + 1, r, c, s.item() if hasattr(s, "item") else s))
    return dets, count


def to_centroids(dets, grid: tuple[int, int], image_size: tuple[int, int]) -> np.ndarray:
    """Detections as ``N x 3`` rows of (class, x, y) in input pixels: the centre of each cell."""
    rows, cols = grid
    h, w = image_size
    out = [(d.cls, (d.col + 0.5) * w / cols, (d.row + 0.5) * h / rows) for d in dets]
    return np.asarray(out, np.float32).reshape(-1, 3)


def detections_text(dets, count: int) -> str:
    """The firmware's line body: ``<count>;<class>,<row>,<col>,<score>;...``."""
    return ";".join([str(int(count))] + [f"{d.cls},{d.row},{d.col},{int(d.score)}" for d in dets])


_LINE = re.compile(r"^(\d+)((?:;\d+,\d+,\d+,-?\d+)*)$")


def parse_detections(text: str) -> tuple[list[Detection], int]:
    """The inverse of :func:`detections_text` (what ``m-tv-detections-[...]`` holds)."""
    m = _LINE.match(text.strip())
    if not m:
        raise ValueError(f"not a detections line: {text!r}")
    dets = [Detection(*(int(v) for v in part.split(","))) for part in m.group(2).split(";")[1:]]
    return dets, int(m.group(1))
