"""Frame data sets: built-in synthetic video, ``lfw_subset``, image and video folders.

Every source ends as a :class:`FrameDataset` with clip-grouped train/val/test splits
of float32 frames in [0, 1] (exactly ``uint8 / 255``; int8 models take ``uint8 - 128``).
"""

from tinyvid.data.dataset import SPLIT_NAMES, FrameDataset, Split
from tinyvid.data.export import export_raw
from tinyvid.data.load import BUILTIN_SOURCES, load_dataset
from tinyvid.data.preprocess import DEFAULT_CHANNELS, DEFAULT_IMAGE_SIZE, to_model_input

__all__ = [
    "BUILTIN_SOURCES",
    "DEFAULT_CHANNELS",
    "DEFAULT_IMAGE_SIZE",
    "SPLIT_NAMES",
    "FrameDataset",
    "Split",
    "export_raw",
    "load_dataset",
    "to_model_input",
]
