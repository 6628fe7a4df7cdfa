"""The in-memory frame data set: three splits of frames, labels and clip ids."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SPLIT_NAMES = ("train", "val", "test")


@dataclass(frozen=True, eq=False)
class Split:
    """One split of frames.

    ``x`` is float32 ``N x H x W x C`` in [0, 1] (exactly ``uint8 / 255``), ``y`` the
    int64 class index of each frame and ``groups`` the int64 id of the clip (or image)
    the frame came from.
    """

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def as_uint8(self) -> np.ndarray:
        """The frames as the raw uint8 pixels a camera (and the firmware) delivers."""
        return np.rint(self.x * 255.0).astype(np.uint8)

    def class_counts(self, num_classes: int) -> list[int]:
        return np.bincount(self.y, minlength=num_classes).astype(int).tolist()


class SplitAccess:
    """What every data set of tinyvid answers from its ``class_names``, ``image_size``,
    ``channels`` and ``train``/``val``/``test`` splits (frames, and a detector's objects)."""

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.image_size[0], self.image_size[1], self.channels)

    def split(self, name: str):
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}; known: {', '.join(SPLIT_NAMES)}")
        return getattr(self, name)


@dataclass(frozen=True, eq=False)
class FrameDataset(SplitAccess):
    """Frames ready for a model: preprocessed to ``image_size`` x ``channels``."""

    name: str
    class_names: tuple[str, ...]
    image_size: tuple[int, int]
    channels: int
    train: Split
    val: Split
    test: Split
    source: str = ""
    details: dict = field(default_factory=dict)

    def describe(self) -> dict:
        """Counts per class per split, as plain data (for ``--json`` and records)."""
        splits = {}
        for name in SPLIT_NAMES:
            s = self.split(name)
            counts = s.class_counts(self.num_classes)
            splits[name] = {
                "frames": len(s),
                "clips": int(np.unique(s.groups).size),
                "per_class": dict(zip(self.class_names, counts)),
            }
        return {
            "name": self.name,
            "source": self.source,
            "class_names": list(self.class_names),
            "image_size": list(self.image_size),
            "channels": self.channels,
            "frames": sum(v["frames"] for v in splits.values()),
            "splits": splits,
            **({"details": self.details} if self.details else {}),
        }
