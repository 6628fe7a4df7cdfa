"""Training targets of a heat-map detector: the class of each cell."""

from __future__ import annotations

import numpy as np


def cell_targets(objects, grid: tuple[int, int], image_size: tuple[int, int]) -> np.ndarray:
    """``N x rows x cols`` int64 class per cell (0 background): each object marks the
    cell holding its centroid. ``objects`` is one ``k x >=3`` array per frame of
    (class, x, y, ...) in input pixels; when two objects fall in one cell the first
    listed keeps it; centroids outside the picture mark nothing."""
    rows, cols = grid
    h, w = image_size
    out = np.zeros((len(objects), rows, cols), np.int64)
    for i, objs in enumerate(objects):
        for cls, x, y in np.asarray(objs, np.float64).reshape(-1, np.asarray(objs).shape[-1] if np.size(objs) else 3)[:, :3]:
            if not (0 <= x < w and 0 <= y < h):
                continue
            r, c = int(y * rows // h), int(x * cols // w)
            if out[i, r, c] == 0:
                out[i, r, c] = int(cls)
    return out
