"""Frames with object positions, for detectors: the built-in synthetic scenes (ground
truth known by construction) and image folders with a labels file.

Objects are rows ``(class, x, y, w, h)`` in model-input pixels (float32); ``x, y`` is the
object's centre, ``w, h`` its box size (NaN when the labels give centroids only).
Class 0 is ``background`` (no object); object classes are 1..K-1.

**Labels file** (``objects.csv`` in an image folder; not the ``labels.csv`` of raw input folders), one object per line::

    frame,class,x,y[,w,h]
    img001.png,person,41.5,60,12,30
    img002.png,vehicle,10,20

``frame`` is the image's path relative to the folder, ``class`` a class name, ``x, y``
the object's centre in the image's own pixels, ``w, h`` optional (the box size). A
first line starting with ``frame`` is a header. Images of the folder that the file
does not name are frames without objects. Class indices follow the order in which
class names first appear, after ``background``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.data import synthetic as _scene
from tinyvid.data.dataset import SPLIT_NAMES, SplitAccess
from tinyvid.data.preprocess import check_shape, to_float, to_model_input
from tinyvid.errors import DataError

LABELS_FILE = "objects.csv"
BACKGROUND = "background"
SYNTHETIC_CLASSES = _scene.CLASS_NAMES  # background, person, vehicle
DEFAULT_IMAGE_SIZE = (96, 96)
DEFAULT_CHANNELS = 1
#: frames of the built-in synthetic object set (each its own scene)
SYNTHETIC_FRAMES = 3000
#: objects in one synthetic frame: 0, 1, 2 or 3 with these probabilities
_OBJECTS_P = (0.15, 0.35, 0.3, 0.2)
#: the centroids of two synthetic objects are at least this fraction of the width apart
_MIN_SEPARATION = 0.2


@dataclass(frozen=True, eq=False)
class ObjectSplit:
    """Frames (float32 ``N x H x W x C`` in [0, 1] = uint8 / 255) and per-frame objects."""

    x: np.ndarray
    objects: tuple[np.ndarray, ...]
    names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def as_uint8(self) -> np.ndarray:
        return np.rint(self.x * 255.0).astype(np.uint8)

    def object_counts(self, num_classes: int) -> list[int]:
        counts = np.zeros(num_classes, np.int64)
        for objs in self.objects:
            counts += np.bincount(objs[:, 0].astype(np.int64), minlength=num_classes)[:num_classes]
        return counts.astype(int).tolist()


@dataclass(frozen=True, eq=False)
class ObjectDataset(SplitAccess):
    name: str
    class_names: tuple[str, ...]  # background first
    image_size: tuple[int, int]
    channels: int
    train: ObjectSplit
    val: ObjectSplit
    test: ObjectSplit
    source: str = ""
    details: dict = field(default_factory=dict)

    def describe(self) -> dict:
        splits = {}
        for name in SPLIT_NAMES:
            s = self.split(name)
            splits[name] = {"frames": len(s), "clips": len(s),
                            "objects": dict(zip(self.class_names[1:], s.object_counts(self.num_classes)[1:]))}
        return {"name": self.name, "source": self.source, "task": "detection", "class_names": list(self.class_names),
                "image_size": list(self.image_size), "channels": self.channels,
                "frames": sum(v["frames"] for v in splits.values()), "splits": splits,
                **({"details": self.details} if self.details else {})}


# --------------------------------------------------------------------------- synthetic


def synthetic_objects(frames: int, image_size=DEFAULT_IMAGE_SIZE, *, seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """Render ``frames`` scenes: uint8 RGB ``N x H x W x 3`` and per-frame objects.

    Each scene is a textured background with distractors (balls, boxes, poles),
    lighting and camera noise, and 0-3 people or vehicles of the synthetic set at
    random places and sizes; an object's centre is the centre of its visible box,
    measured from its own mask as it is drawn, so the ground truth is exact.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x0B1E]))
    out, objects = [], []
    for _ in range(int(frames)):
        frame, objs = _render_scene(np.random.default_rng(rng.integers(0, 2**63)), tuple(image_size))
        out.append(frame)
        objects.append(objs)
    return np.stack(out) if out else np.zeros((0, *image_size, 3), np.uint8), objects


def _target(rng, label: int, H: int, W: int, bg_mean: float):
    if label == 1:
        t = _scene._Person(rng, H, W, bg_mean, 1)
        t.size = rng.uniform(0.28, 0.5) * H
    else:
        t = _scene._Vehicle(rng, H, W, bg_mean, 1)
        ratio = t.length / t.size
        t.size = rng.uniform(0.17, 0.28) * H
        t.length = t.size * ratio
    t.vx = 0.0
    return t


def _render_scene(rng: np.random.Generator, image_size) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    ss = _scene._SS
    h, w = image_size
    H, W = h * ss, w * ss
    frame, bg_mean = _scene._background(rng, H, W)
    for _ in range(int(rng.integers(0, 4))):
        _scene._distractor(rng, H, W, bg_mean).draw(frame, 0)
    n = int(rng.choice(len(_OBJECTS_P), p=_OBJECTS_P))
    rows = []
    for _ in range(n):
        label = int(rng.integers(1, 3))
        for _attempt in range(12):
            t = _target(rng, label, H, W, bg_mean)
            t.x0 = rng.uniform(0.08, 0.92) * W
            t.foot_y = rng.uniform(0.35, 1.0) * H
            canvas = np.full((H, W, 3), np.nan, np.float32)
            t.draw(canvas, 0)
            mask = ~np.isnan(canvas).any(axis=2)
            ys, xs = np.nonzero(mask)
            if ys.size < 4 * ss * ss:
                continue
            x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
            cx, cy = (x0 + x1) / 2 / ss, (y0 + y1) / 2 / ss
            if any(math.hypot(cx - r[1], cy - r[2]) < _MIN_SEPARATION * w for r in rows):
                continue
            frame[mask] = canvas[mask]
            rows.append((label, cx, cy, (x1 - x0) / ss, (y1 - y0) / ss))
            break
    small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    gain = rng.uniform(0.7, 1.2)
    small = small * gain + rng.uniform(0.005, 0.03) * rng.standard_normal(small.shape, np.float32)
    image = np.clip(np.rint(small * 255), 0, 255).astype(np.uint8)
    return image, np.asarray(rows, np.float32).reshape(-1, 5)


# --------------------------------------------------------------------------- labels file


def read_labels(path: Path) -> dict[str, list[tuple[str, float, float, float, float]]]:
    """``{frame: [(class, x, y, w, h)]}`` from a labels CSV (w, h NaN when absent)."""
    path = Path(path)
    hint = "one object per line: frame,class,x,y[,w,h] (x, y the centre in image pixels)"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the labels file {path}: {exc.strerror or exc}", hint) from exc
    labels: dict[str, list] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        row = [c.strip() for c in row]
        if not row or not any(row) or row[0].startswith("#"):
            continue
        if number == 1 and row[0].lower() == "frame":
            continue
        if len(row) not in (4, 6):
            raise DataError(f"{path}, line {number}: {len(row)} fields; a label has 4 or 6", hint)
        try:
            values = [float(v) for v in row[2:]]
        except ValueError:
            raise DataError(f"{path}, line {number}: x, y, w, h must be numbers, got {', '.join(row[2:])}", hint) from None
        if not all(math.isfinite(v) for v in values) or (len(values) == 4 and min(values[2:]) <= 0):
            raise DataError(f"{path}, line {number}: coordinates must be finite and sizes positive", hint)
        if not row[1] or row[1] == BACKGROUND:
            raise DataError(f"{path}, line {number}: the class must be an object class name, not '{row[1]}'",
                            "frames without objects need no line: every image the file does not name is background")
        x, y = values[:2]
        bw, bh = values[2:] if len(values) == 4 else (math.nan, math.nan)
        labels.setdefault(row[0], []).append((row[1], x, y, bw, bh))
    if not labels:
        raise DataError(f"the labels file {path} names no objects", hint)
    return labels


def write_labels(path: Path, names, objects, class_names) -> Path:
    """Write per-frame objects as a labels CSV (the format :func:`read_labels` reads)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["frame", "class", "x", "y", "w", "h"])
        for name, objs in zip(names, objects):
            for cls, x, y, bw, bh in np.asarray(objs, np.float64).reshape(-1, 5):
                size = [] if math.isnan(bw) else [f"{bw:g}", f"{bh:g}"]
                out.writerow([name, class_names[int(cls)], f"{x:g}", f"{y:g}", *size])
    return path


def _crop_transform(src_hw, image_size):
    """Where to_model_input's centre crop and resize move a point: (left, top, scale_x, scale_y)."""
    src_h, src_w = src_hw
    h, w = image_size
    if src_h * w > src_w * h:
        crop_h, crop_w = max(1, int(round(src_w * h / w))), src_w
    else:
        crop_h, crop_w = src_h, max(1, int(round(src_h * w / h)))
    return (src_w - crop_w) // 2, (src_h - crop_h) // 2, w / crop_w, h / crop_h


def load_object_folder(folder: Path, image_size, channels: int):
    """Frames and objects of an image folder with a ``objects.csv``."""
    from tinyvid.data.folders import IMAGE_EXTENSIONS, read_image

    folder = Path(folder)
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise DataError(f"{folder} has no {LABELS_FILE}: a detector is trained from object positions",
                        f"add {labels_path} with one line per object: frame,class,x,y[,w,h]")
    labels = read_labels(labels_path)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    names = [p.relative_to(folder).as_posix() for p in files]
    missing = sorted(set(labels) - set(names))
    if missing:
        raise DataError(f"{labels_path} names {len(missing)} image(s) that are not in {folder}: {', '.join(missing[:5])}",
                        "give each frame as its path relative to the folder, e.g. img001.png or day1/img001.png")
    class_names = [BACKGROUND]
    for rows in labels.values():
        for cls, *_ in rows:
            if cls not in class_names:
                class_names.append(cls)
    frames, objects = [], []
    for path, name in zip(files, names):
        rgb = read_image(path)
        left, top, sx, sy = _crop_transform(rgb.shape[:2], image_size)
        frames.append(to_model_input(rgb, image_size, channels))
        rows = []
        for cls, x, y, bw, bh in labels.get(name, []):
            px, py = (x - left) * sx, (y - top) * sy
            if 0 <= px < image_size[1] and 0 <= py < image_size[0]:  # cropped away: not in the picture
                rows.append((class_names.index(cls), px, py, bw * sx, bh * sy))
        objects.append(np.asarray(rows, np.float32).reshape(-1, 5))
    return np.stack(frames), objects, names, tuple(class_names)


# --------------------------------------------------------------------------- loading


def load_objects(source: str = "synthetic", *, image_size=None, channels=None, seed: int = 0,
                 frames: int | None = None, val_fraction: float = 0.15, test_fraction: float = 0.15) -> ObjectDataset:
    """An :class:`ObjectDataset`: ``"synthetic"`` (``frames`` scenes, default
    :data:`SYNTHETIC_FRAMES`, 96x96 grey by default) or an image folder with a
    ``objects.csv``; frames split at random (seeded) into train / val / test."""
    size, ch = check_shape(image_size or DEFAULT_IMAGE_SIZE, channels or DEFAULT_CHANNELS)
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise DataError(f"bad split fractions: val {val_fraction}, test {test_fraction}",
                        "use fractions between 0 and 1 whose sum is below 1 (default 0.15 and 0.15)")
    if str(source) == "synthetic":
        n = SYNTHETIC_FRAMES if frames is None else int(frames)
        if n < 3:
            raise DataError(f"the synthetic object set needs at least 3 frames, not {n}", "use frames >= 3")
        rgb, objects = synthetic_objects(n, size, seed=seed)
        images = rgb if ch == 3 else np.stack([to_model_input(f, size, 1) for f in rgb])
        names = [f"synthetic-{i:05d}" for i in range(n)]
        class_names, name, details = SYNTHETIC_CLASSES, "synthetic-objects", {"frames": n, "seed": seed}
    else:
        path = Path(str(source)).expanduser()
        if not path.is_dir():
            raise DataError(f"object data folder {path} does not exist",
                            f"pass 'synthetic' or a folder of images with a {LABELS_FILE}")
        images, objects, names, class_names = load_object_folder(path, size, ch)
        name, details, source = path.name, {}, str(path)
        if len(images) < 3:
            raise DataError(f"{path} has {len(images)} image(s); a train/val/test split needs at least 3",
                            "add more images")
    order = np.random.default_rng([seed, 0x5B17]).permutation(len(images))
    n_test = min(max(1, int(round(len(order) * test_fraction))), len(order) - 2)
    n_val = min(max(1, int(round(len(order) * val_fraction))), len(order) - 1 - n_test)
    parts = (np.sort(order[n_test + n_val:]), np.sort(order[n_test:n_test + n_val]), np.sort(order[:n_test]))
    x = to_float(images)
    splits = [ObjectSplit(x[i], tuple(objects[k] for k in i), tuple(names[k] for k in i)) for i in parts]
    return ObjectDataset(name=name, class_names=tuple(class_names), image_size=size, channels=ch,
                         train=splits[0], val=splits[1], test=splits[2], source=str(source), details=details)
