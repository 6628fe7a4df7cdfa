"""``load_dataset``: one entry point for every frame source."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyvid.data import lfw, synthetic
from tinyvid.data.dataset import FrameDataset, Split
from tinyvid.data.folders import load_folder
from tinyvid.data.preprocess import DEFAULT_CHANNELS, DEFAULT_IMAGE_SIZE, check_shape, to_float, to_model_input
from tinyvid.data.splits import split_groups
from tinyvid.errors import DataError

BUILTIN_SOURCES = ("synthetic", "lfw")


def load_dataset(
    source: str = "synthetic",
    *,
    image_size: tuple[int, int] | None = None,
    channels: int | None = None,
    seed: int = 0,
    fps: float | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    progress: bool = False,
    clips_per_class: int | None = None,
    skip_bad: bool = False,
) -> FrameDataset:
    """Load frames and split them into train/val/test by clip.

    ``source`` is ``"synthetic"`` (built-in video clips, 48x48 grey by default),
    ``"lfw"`` (scikit-image's faces / non-faces, 25x25 grey by default) or a folder
    with one subfolder per class holding images and/or video clips (48x48 grey by
    default; videos sampled at ``fps`` frames per second, default 2).
    ``clips_per_class`` sets the size of the synthetic set (default 500 clips of 3
    frames per class). A folder's unreadable files are listed together in one
    ``DataError``, or left out with ``skip_bad``.
    """
    source = str(source)
    if source == "synthetic":
        size, ch = check_shape(image_size or DEFAULT_IMAGE_SIZE, channels or DEFAULT_CHANNELS)
        clips = synthetic.CLIPS_PER_CLASS if clips_per_class is None else int(clips_per_class)
        if clips < 3:
            raise DataError(f"the synthetic set needs at least 3 clips per class, not {clips}",
                            f"use clips_per_class >= 3 (default {synthetic.CLIPS_PER_CLASS})")
        rgb, y, groups = synthetic.generate(size, seed=seed, clips_per_class=clips)
        frames = rgb if ch == 3 else np.stack([to_model_input(f, size, 1) for f in rgb])
        names, name = synthetic.CLASS_NAMES, "synthetic"
        details = {"clips_per_class": clips, "frames_per_clip": synthetic.FRAMES_PER_CLIP,
                   "seed": seed}
    elif source == "lfw":
        size, ch = check_shape(image_size or lfw.NATIVE_SIZE, channels or 1)
        frames, y, groups, names = lfw.load(size, ch)
        name, details = "lfw", {}
    else:
        path = Path(source).expanduser()
        if not path.exists() and "/" not in source and "\\" not in source and not source.startswith("."):
            raise DataError(f"unknown data source '{source}' (no such folder)",
                            f"use one of {', '.join(BUILTIN_SOURCES)} or a path to a folder with one subfolder per class")
        size, ch = check_shape(image_size or DEFAULT_IMAGE_SIZE, channels or DEFAULT_CHANNELS)
        frames, y, groups, names, details = load_folder(path, size, ch, fps, progress, skip_bad=skip_bad)
        name, source = path.name, str(path)
    idx = split_groups(y, groups, names, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
    x = to_float(frames)
    splits = [Split(x=x[i], y=y[i], groups=groups[i]) for i in idx]
    return FrameDataset(name=name, class_names=tuple(names), image_size=size, channels=ch,
                        train=splits[0], val=splits[1], test=splits[2], source=source, details=details)
