"""Inputs for a board: data sets, image folders and raw input files as the bytes a
board's input buffer takes, and the int8 tensor the model sees for those bytes.

The board's input conversion is chosen when the project is generated
(``docs/protocol.md``): ``uint8`` files are fed as ``u8 - 128``, ``int8`` files as
they are, ``float32`` files (little-endian) are quantized with the input scale and
zero point.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyvid.errors import DataError
from tinyvid.project.conversions import CONVERSIONS


@dataclass(frozen=True)
class InputFormat:
    """What a board's input buffer holds."""

    shape: tuple[int, ...]  # the model input shape, e.g. (1, 96, 96, 3)
    conversion: str = "uint8"
    scale: float = 1 / 255
    zero_point: int = -128

    @property
    def elements(self) -> int:
        return int(np.prod(self.shape))

    @property
    def bytes(self) -> int:
        return self.elements * (4 if self.conversion == "float32" else 1)

    @property
    def image(self) -> tuple[int, int, int]:
        """(height, width, channels) of an NHWC image input."""
        dims = [d for d in self.shape]
        if len(dims) == 4:
            dims = dims[1:]
        if len(dims) != 3:
            raise DataError(f"the model input {self.shape} is not an image (N x H x W x C)",
                            "feed raw input files (a folder of .bin files) instead")
        return int(dims[0]), int(dims[1]), int(dims[2])


@dataclass(frozen=True)
class Sample:
    """One input for the board: its name, its bytes in the board's format, its label."""

    name: str
    data: bytes
    label: int | None = None


def quantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float -> int8 as the firmware does: round half away from zero, then clamp."""
    scaled = np.asarray(values, np.float32) / np.float32(scale)
    rounded = np.where(scaled >= 0, np.floor(scaled + 0.5), np.ceil(scaled - 0.5))
    return np.clip(rounded + zero_point, -128, 127).astype(np.int8)


def to_model_tensor(data: bytes, fmt: InputFormat) -> np.ndarray:
    """The int8 tensor the model sees for ``data`` in the board's input format."""
    if len(data) != fmt.bytes:
        raise DataError(f"an input holds {len(data)} bytes, the board takes {fmt.bytes}",
                        f"inputs for this model are {fmt.bytes} bytes ({fmt.conversion}, shape "
                        f"{'x'.join(map(str, fmt.shape))})")
    if fmt.conversion == "uint8":
        x = (np.frombuffer(data, np.uint8).astype(np.int16) - 128).astype(np.int8)
    elif fmt.conversion == "float32":
        x = quantize(np.frombuffer(data, "<f4"), fmt.scale, fmt.zero_point)
    elif fmt.conversion == "int8":
        x = np.frombuffer(data, np.int8)
    else:
        raise DataError(f"unknown input conversion '{fmt.conversion}'", f"use one of {', '.join(CONVERSIONS)}")
    return x.reshape(fmt.shape)


def encode_frames(frames_u8: np.ndarray, fmt: InputFormat) -> list[bytes]:
    """uint8 frames (N x H x W x C) -> the bytes of each in the board's format."""
    out = []
    for frame in frames_u8:
        if fmt.conversion == "uint8":
            out.append(frame.astype(np.uint8).tobytes())
        elif fmt.conversion == "int8":
            out.append((frame.astype(np.int16) - 128).astype(np.int8).tobytes())
        else:
            out.append((frame.astype(np.float32) / np.float32(255.0)).astype("<f4").tobytes())
    return out


def _pick(n_total: int, count: int | None, seed: int) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n_total)
    return np.sort(order[: n_total if count is None else min(count, n_total)])


@dataclass(frozen=True)
class SampleSet:
    """Inputs for a board, the class names their labels index, and where they were
    drawn from (which split of which data), for the report."""

    samples: list[Sample]
    class_names: tuple[str, ...] = ()
    origin: str = ""


@functools.lru_cache(maxsize=4)
def _split_frames(source: str, image: tuple[int, int, int], split: str, seed: int, fps: float | None = None):
    """A data set's split as uint8 frames, labels and the name of each frame
    (generated or decoded once per process)."""
    from tinyvid.data import BUILTIN_SOURCES, load_dataset

    h, w, c = image
    dataset = load_dataset(source, image_size=(h, w), channels=c, seed=seed, **({"fps": fps} if fps else {}))
    part = dataset.split(split)
    if source in BUILTIN_SOURCES:
        names = [f"{dataset.name}/{split}/{i}" for i in range(len(part))]
    else:
        names = _frame_names(Path(source), part.groups, dataset.details.get("skipped", ()))
    return dataset.name, dataset.class_names, part.as_uint8(), part.y.copy(), tuple(names)


def _frame_names(root: Path, groups: np.ndarray, skipped=()) -> list[str]:
    """The file each frame of a class folder came from (a group is one file, in
    the order :func:`tinyvid.data.folders.scan` lists them), with the frame's
    index for a video clip."""
    from tinyvid.data.folders import VIDEO_EXTENSIONS, scan

    skipped = {str(path) for path in skipped}
    files = [path for _, paths in scan(root) for path in paths if str(path) not in skipped]
    seen: dict[int, int] = {}
    names = []
    for group in groups.tolist():
        path = files[group]
        k = seen[group] = seen.get(group, -1) + 1
        name = path.relative_to(root).as_posix()
        names.append(f"{name} frame {k}" if path.suffix.lower() in VIDEO_EXTENSIONS else name)
    return names


def dataset_samples(source: str, fmt: InputFormat, *, count: int | None = None, split: str = "test",
                    seed: int = 0, fps: float | None = None) -> SampleSet:
    """Frames of a ``tinyvid.data`` split: ``synthetic``, ``lfw`` or a folder with
    one subfolder per class, split as ``tinyvid train`` splits it with ``seed``."""
    name, class_names, frames, labels, names = _split_frames(str(source), fmt.image, split, seed, fps)
    if len(frames) == 0:
        raise DataError(f"the {split} split of {name} is empty", "use a larger data set")
    idx = _pick(len(frames), count, seed)
    encoded = encode_frames(frames[idx], fmt)
    samples = [Sample(names[i], data, int(labels[i])) for i, data in zip(idx, encoded)]
    origin = (f"{len(samples)} of the {len(frames)} frames of the {split} split of {source} "
              f"(split by clip as tinyvid train splits it, seed {seed})")
    return SampleSet(samples, class_names, origin)


#: the synthetic object scenes of detectors (tinyvid.data.objects) as validate's --data
OBJECT_SCENES = "synthetic-objects"


def object_samples(fmt: InputFormat, *, count: int | None = None, seed: int = 0) -> SampleSet:
    """Test scenes of the synthetic object set (split as ``tinyvid train --arch fomo``
    splits it with ``seed``), unlabelled: a detector has no top-1 class to score."""
    from tinyvid.data.objects import load_objects

    h, w, c = fmt.image
    test = load_objects("synthetic", image_size=(h, w), channels=c, seed=seed).test
    idx = _pick(len(test), count, seed)
    encoded = encode_frames(test.as_uint8()[idx], fmt)
    samples = [Sample(test.names[i], data, None) for i, data in zip(idx, encoded)]
    origin = f"{len(samples)} of the {len(test)} test scenes of {OBJECT_SCENES} (seed {seed})"
    return SampleSet(samples, (), origin)


def _raw_labels(folder: Path) -> dict[str, int]:
    path = folder / "labels.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    try:
        return {row["file"]: int(row["label"]) for row in rows}
    except (KeyError, ValueError) as exc:
        raise DataError(f"{path} is not a labels file: {exc}",
                        "it needs a header 'file,label' and one row per input file") from exc


def folder_samples(folder: str | Path, fmt: InputFormat, *, count: int | None = None,
                   seed: int = 0, fps: float | None = None) -> SampleSet:
    """Raw input files (``*.bin``, with an optional ``labels.csv`` of ``file,label``,
    as ``tinyvid.data.export_raw`` writes them), or a folder with one subfolder per
    class: its test split, or every frame when it has too few files to split."""
    from tinyvid.data.folders import load_folder, scan

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist",
                        "pass synthetic, lfw, a folder of raw .bin input files or of class subfolders")
    raw = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".bin", ".raw"))
    if raw:
        labels = _raw_labels(folder)
        idx = _pick(len(raw), count, seed)
        samples = []
        for i in idx:
            data = raw[i].read_bytes()
            if len(data) != fmt.bytes:
                raise DataError(f"{raw[i]} holds {len(data)} bytes, the board takes {fmt.bytes}",
                                f"raw inputs for this model are {fmt.bytes} bytes ({fmt.conversion})")
            samples.append(Sample(raw[i].name, data, labels.get(raw[i].name)))
        return SampleSet(samples, (), f"{len(samples)} of the {len(raw)} raw input files in {folder}")
    # A split needs three files per class (one each for train, val and test).
    if min(len(files) for _, files in scan(folder)) >= 3:
        return dataset_samples(str(folder), fmt, count=count, seed=seed, fps=fps)
    h, w, c = fmt.image
    frames, y, groups, names, _ = load_folder(folder, (h, w), c, fps, False)
    frame_names = _frame_names(folder, groups)
    idx = _pick(len(frames), count, seed)
    encoded = encode_frames(frames[idx], fmt)
    samples = [Sample(frame_names[i], data, int(y[i])) for i, data in zip(idx, encoded)]
    return SampleSet(samples, tuple(names), f"{len(samples)} of all {len(frames)} frames of {folder} (a class "
                     "has fewer than 3 files, too few for a train/val/test split: none was held out)")


def load_samples(data: str, fmt: InputFormat, *, count: int | None = None, seed: int = 0,
                 fps: float | None = None) -> SampleSet:
    """``synthetic`` / ``lfw`` or a class folder (the test split, video sampled at ``fps``
    frames per second), or raw input files."""
    from tinyvid.data import BUILTIN_SOURCES

    if data == OBJECT_SCENES:
        return object_samples(fmt, count=count, seed=seed)
    if data in BUILTIN_SOURCES:
        return dataset_samples(data, fmt, count=count, seed=seed, fps=fps)
    return folder_samples(data, fmt, count=count, seed=seed, fps=fps)
