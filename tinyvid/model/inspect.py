"""``tinyvid inspect``: load any supported model file and compute its statistics."""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ModelError
from tinyvid.model.reader import load_graph
from tinyvid.model.stats import ModelStats, model_stats


def inspect_model(path: str | Path) -> ModelStats:
    """Statistics of a ``.tflite`` (float or int8), a ``.keras``/``.h5`` model (tf-keras or
    Keras 3), a SavedModel folder, a PyTorch ``.pt2`` or an ``.onnx``; all but ``.tflite`` files
    as their float ``.tflite``."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"model file not found: {path}", "check the path")
    from tinyvid.model.convert import keras_to_tflite
    from tinyvid.train.importer import KERAS_SUFFIXES, ONNX_SUFFIXES, PT2_SUFFIXES, import_model

    if path.is_file() and path.suffix.lower() not in KERAS_SUFFIXES + PT2_SUFFIXES + ONNX_SUFFIXES:
        return model_stats(load_graph(path))
    imported = import_model(path)
    graph = load_graph(keras_to_tflite(imported.keras_model) if imported.keras_model is not None else imported.tflite_bytes)
    graph.source_name = path.name
    return model_stats(graph)


def _fmt_shapes(shapes: list[list[int]]) -> str:
    return " ".join("x".join(str(d) for d in s) or "scalar" for s in shapes)


def format_table(stats: ModelStats) -> str:
    """The per-layer table and totals as aligned text."""
    header = ("#", "op", "input", "output", "params", "MACs", "act bytes")
    rows = [
        (
            str(layer.index),
            layer.op,
            _fmt_shapes(layer.input_shapes),
            _fmt_shapes(layer.output_shapes),
            f"{layer.params:,}",
            f"{layer.macs:,}",
            f"{layer.activation_bytes:,}",
        )
        for layer in stats.layers
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {0, 4, 5, 6}

    def line(r):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    out = [f"model {stats.model}  ({stats.model_bytes:,} bytes, sha256 {stats.sha256[:16]})", line(header)]
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in rows)
    out.append("")
    out.append(f"operators:            {len(stats.layers)}")
    out.append(f"inputs:               {_fmt_shapes(stats.input_shapes)} ({', '.join(stats.input_dtypes)})")
    out.append(f"outputs:              {_fmt_shapes(stats.output_shapes)}")
    out.append(f"parameters:           {stats.total_params:,} ({stats.total_param_bytes:,} bytes)")
    out.append(f"MACs:                 {stats.total_macs:,} ({stats.total_macs / 1e6:.2f} M)")
    out.append(f"peak activation:      {stats.peak_activation_bytes:,} bytes (largest layer working set)")
    return "\n".join(out)
