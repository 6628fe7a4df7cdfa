"""Fixtures that write real image and video folders into tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_png(path: Path, value: int, size=(40, 60), seed: int = 0) -> Path:
    import cv2

    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(value, 10, (*size, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return path


def write_clip(path: Path, value: int, frames: int = 20, fps: float = 10.0, size=(48, 64)) -> Path:
    """An MJPG .avi clip (decodes with OpenCV's bundled FFmpeg, no network needed)."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (size[1], size[0]))
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((*size, 3), value, np.uint8)
        img[:, (i * 3) % size[1]] = 255 - value  # a moving line: frames differ
        writer.write(img)
    writer.release()
    return path


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    for i in range(6):
        write_png(root / "dark" / f"d{i}.png", 40, seed=i)
        write_png(root / "bright" / f"b{i}.jpg", 210, seed=100 + i)
    return root


@pytest.fixture
def video_folder(tmp_path: Path) -> Path:
    root = tmp_path / "videos"
    for i in range(4):
        write_clip(root / "dark" / f"d{i}.avi", 30 + i)
        write_clip(root / "bright" / f"b{i}.avi", 200 + i)
    return root
