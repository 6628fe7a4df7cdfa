"""What a firmware project needs to decode a detector's heat map on the board."""

from __future__ import annotations

from pathlib import Path

from tinyvid.detect.decode import DEFAULT_THRESHOLD, MAX_DETECTIONS, int8_threshold
from tinyvid.detect.evaluate import is_heatmap
from tinyvid.errors import ProjectError


def ends_in_heatmap(model_path: Path) -> bool:
    """A ``.tflite`` whose output is a per-cell softmax heat map (rows x cols x classes)."""
    from tinyvid.model.reader import load_graph

    if not Path(model_path).is_file():
        return False
    graph = load_graph(Path(model_path))
    out = graph.tensors[graph.outputs[0]]
    producer = {o: op for op in graph.operators for o in op.outputs}
    last = producer.get(graph.outputs[0])
    # a float boundary (DEQUANTIZE) after the softmax is the same heat map
    while last is not None and last.opcode in ("DEQUANTIZE", "QUANTIZE"):
        last = producer.get(last.inputs[0])
    shape = tuple(out.shape)
    return last is not None and last.opcode == "SOFTMAX" and len(shape) == 4 and shape[0] == 1 and is_heatmap(shape[1:])


def recorded_threshold(model_path: Path) -> float | None:
    """The score threshold ``compress`` scored a detector at (its ``report.json`` beside
    the ``.tflite``; training chose it on the validation split), or None."""
    import json

    report = Path(model_path).parent / "report.json"
    try:
        data = json.loads(report.read_text())
        files = [Path(p).name for p in (data.get("files") or {}).values()]
        options = data.get("options") or {}
        if options.get("task") == "detection" and Path(model_path).name in files:
            return float(options["threshold"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return None


def detector_settings(output_shape, scale: float, zero_point: int, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """The template context of ``tv_detect.h`` and the manifest's ``detector``."""
    shape = [int(d) for d in output_shape]
    if len(shape) != 4 or not is_heatmap(shape[1:]):
        raise ProjectError(f"the model's output {shape} is not a heat map (1 x rows x cols x classes)",
                           "on-board detection needs a detector such as tinyvid train --arch fomo")
    if not 0.0 < threshold < 1.0:
        raise ProjectError(f"detection threshold {threshold} is outside (0, 1)", "use a probability, e.g. 0.5")
    rows, cols, classes = shape[1:]
    if max(rows, cols) > 255 or classes > 256:
        raise ProjectError(f"a {rows}x{cols}x{classes} heat map is too large to decode on the board",
                           "use at most 255 rows and columns and 256 classes")
    return {"rows": rows, "cols": cols, "classes": classes, "probability": float(threshold),
            "threshold": int8_threshold(threshold, scale, zero_point), "max": MAX_DETECTIONS}
