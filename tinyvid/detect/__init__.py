"""Object detection with a per-cell class heat map (FOMO-style): the training targets
made from object positions, the decoding of a heat map into centroids (the host twin
of the firmware's ``tv_detect.c``), and centroid precision / recall / F1 and count
error against ground truth."""

from tinyvid.detect.decode import Detection, decode_heatmap, detections_text, parse_detections, to_centroids
from tinyvid.detect.metrics import DEFAULT_TOLERANCE_CELLS, DetectionScore, score_detections
from tinyvid.detect.targets import cell_targets

__all__ = [
    "DEFAULT_TOLERANCE_CELLS",
    "Detection",
    "DetectionScore",
    "cell_targets",
    "decode_heatmap",
    "detections_text",
    "parse_detections",
    "score_detections",
    "to_centroids",
]
