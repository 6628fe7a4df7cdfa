"""Detections of a heat-map model on frames, scored against their objects."""

from __future__ import annotations

import numpy as np

from tinyvid.detect.decode import DEFAULT_THRESHOLD, decode_heatmap, int8_threshold, to_centroids
from tinyvid.detect.metrics import DEFAULT_TOLERANCE_CELLS, DetectionScore, score_detections


def is_heatmap(shape) -> bool:
    """A model output of shape (rows, cols, classes) with a grid and at least 2 classes."""
    shape = tuple(int(d) for d in shape)
    return len(shape) == 3 and shape[0] > 1 and shape[1] > 1 and shape[2] >= 2


def map_threshold(heatmaps: np.ndarray, probability: float, quantization=None):
    """The threshold in the maps' own units: the probability for float maps, the int8
    value (:func:`int8_threshold`) for int8 maps with ``quantization`` (scale, zero point)."""
    if np.asarray(heatmaps).dtype == np.int8:
        if quantization is None:
            raise ValueError("an int8 heat map needs its output scale and zero point")
        return int8_threshold(probability, *quantization)
    return probability


def detect(heatmaps: np.ndarray, image_size, *, threshold: float = DEFAULT_THRESHOLD, quantization=None) -> list[np.ndarray]:
    """Per-frame centroids ``k x 3`` (class, x, y) in input pixels from ``N x rows x cols x K`` maps."""
    heatmaps = np.asarray(heatmaps)
    t = map_threshold(heatmaps, threshold, quantization)
    grid = heatmaps.shape[1:3]
    return [to_centroids(decode_heatmap(m, t)[0], grid, image_size) for m in heatmaps]


def score_heatmaps(heatmaps: np.ndarray, objects, image_size, *, threshold: float = DEFAULT_THRESHOLD,
                   tolerance_cells: float = DEFAULT_TOLERANCE_CELLS, quantization=None) -> DetectionScore:
    """Centroid precision / recall / F1 and count error of heat maps against ``objects``;
    the distance tolerance is ``tolerance_cells`` cells of the map, in input pixels."""
    heatmaps = np.asarray(heatmaps)
    cell = image_size[1] / heatmaps.shape[2]
    return score_detections(detect(heatmaps, image_size, threshold=threshold, quantization=quantization), objects,
                            tolerance_cells * cell)
