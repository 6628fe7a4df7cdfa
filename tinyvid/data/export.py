"""Write a split as raw uint8 input files, as the MLPerf Tiny runners feed a board."""

from __future__ import annotations

import csv
from pathlib import Path

from tinyvid.data.dataset import Split
from tinyvid.paths import check_output_dir


def export_raw(split: Split, out_dir, class_names=None, *, limit: int | None = None) -> Path:
    """One ``NNNNN.bin`` per frame (``H*W*C`` bytes, HWC uint8) plus ``labels.csv``.

    ``labels.csv`` has a header ``file,label,class_name,group``. Returns ``out_dir``.
    """
    out = check_output_dir(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = split.as_uint8()
    n = len(frames) if limit is None else min(limit, len(frames))
    with open(out / "labels.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "label", "class_name", "group"])
        for i in range(n):
            name = f"{i:05d}.bin"
            (out / name).write_bytes(frames[i].tobytes())
            label = int(split.y[i])
            cls = class_names[label] if class_names is not None else str(label)
            writer.writerow([name, label, cls, int(split.groups[i])])
    return out
