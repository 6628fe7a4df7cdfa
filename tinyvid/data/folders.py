"""Frames from a folder with one subfolder per class (images and/or video clips)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from tinyvid.data.preprocess import to_model_input
from tinyvid.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv")
DEFAULT_FPS = 2.0
MAX_FRAMES_PER_CLIP = 10_000


def scan(root: Path) -> list[tuple[str, list[Path]]]:
    """``[(class name, [frame files])]`` in sorted order; errors for bad layouts."""
    if not root.exists():
        raise DataError(f"data folder {root} does not exist",
                        "pass 'synthetic', 'lfw', or a folder with one subfolder per class")
    if not root.is_dir():
        raise DataError(f"{root} is not a folder",
                        "pass a folder with one subfolder per class holding images or video clips")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        loose = [p for p in root.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS]
        what = f"holds {len(loose)} frame file(s) but no class subfolders" if loose else "is empty"
        raise DataError(f"data folder {root} {what}",
                        "put the images or clips of each class into their own subfolder, e.g. DATA/person/, DATA/background/")
    if len(class_dirs) < 2:
        raise DataError(f"data folder {root} has only one class ('{class_dirs[0].name}')",
                        "a classifier needs at least two class subfolders, e.g. person/ and background/")
    classes = []
    for d in class_dirs:
        files = sorted(
            p for p in d.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS
        )
        if not files:
            raise DataError(f"class folder '{d.name}' in {root} has no images or video clips",
                            f"add files ({', '.join(e[1:] for e in IMAGE_EXTENSIONS[:4] + VIDEO_EXTENSIONS[:4])}, ...) "
                            f"to {d} or remove the folder")
        classes.append((d.name, files))
    return classes


def read_image(path: Path) -> np.ndarray:
    """An image file as uint8 RGB."""
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise DataError(f"cannot read image {path}",
                        "the file is corrupt or not an image; re-export it or delete it")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_video(path: Path, fps: float) -> list[np.ndarray]:
    """Frames of a clip sampled at ``fps`` frames per second (at least one), uint8 RGB."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise DataError(f"cannot open video {path}",
                            "the file is corrupt or its codec is not supported by OpenCV; re-encode it (e.g. to MJPG .avi or H.264 .mp4)")
        native = cap.get(cv2.CAP_PROP_FPS)
        native = native if native and 0 < native < 1000 else 25.0
        period = 1.0 / fps
        frames: list[np.ndarray] = []
        index, next_time = 0, 0.0
        while index < MAX_FRAMES_PER_CLIP * max(1, int(native / fps)):
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            time = index / native
            if time + 1e-9 >= next_time:
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
                next_time += period
                if len(frames) >= MAX_FRAMES_PER_CLIP:
                    break
            index += 1
    finally:
        cap.release()
    if not frames:
        raise DataError(f"cannot decode any frame of video {path}",
                        "the file is empty, corrupt or in a codec OpenCV cannot decode; re-encode it")
    return frames


MAX_LISTED_BAD_FILES = 20


def _bad_files_error(root: Path, bad: list[tuple[Path, str]], total: int) -> DataError:
    listed = "; ".join(f"{path.relative_to(root)} ({reason})" for path, reason in bad[:MAX_LISTED_BAD_FILES])
    more = f"; and {len(bad) - MAX_LISTED_BAD_FILES} more" if len(bad) > MAX_LISTED_BAD_FILES else ""
    return DataError(f"{len(bad)} of {total} files in {root} cannot be read: {listed}{more}",
                     "fix or delete them, or leave them out with --skip-bad (tinyvid data, tinyvid train)")


def load_folder(root: Path, image_size, channels: int, fps: float | None, progress: bool, skip_bad: bool = False):
    """uint8 frames (N x h x w x c), labels, groups and class names of a class-folder tree.

    Every file is tried: the unreadable ones are listed together in one DataError, or
    with ``skip_bad`` left out (and named in ``details["skipped"]``)."""
    from tqdm import tqdm

    fps = DEFAULT_FPS if fps is None else float(fps)
    if fps <= 0:
        raise DataError(f"frame rate must be positive, not {fps}", "use e.g. --fps 2 (frames sampled per second of video)")
    classes = scan(Path(root))
    frames, labels, groups = [], [], []
    n_videos = n_images = 0
    total = sum(len(files) for _, files in classes)
    bar = tqdm(total=total, desc="reading frames", unit="file", file=sys.stderr, disable=not progress, leave=False)
    group = 0
    bad: list[tuple[Path, str]] = []
    for label, (_, files) in enumerate(classes):
        for path in files:
            video = path.suffix.lower() in VIDEO_EXTENSIONS
            try:
                raw = read_video(path, fps) if video else [read_image(path)]
            except DataError as exc:
                bad.append((path, exc.message.replace(f" {path}", "")))
                bar.update(1)
                continue
            n_videos += video
            n_images += not video
            for img in raw:
                frames.append(to_model_input(img, image_size, channels))
                labels.append(label)
                groups.append(group)
            group += 1
            bar.update(1)
    bar.close()
    if bad and not skip_bad:
        raise _bad_files_error(Path(root), bad, total)
    empty = [name for label, (name, _) in enumerate(classes) if label not in set(labels)]
    if empty:
        raise DataError(f"class folder(s) {', '.join(empty)} in {root} have no readable file",
                        "add readable images or clips to them, or remove the folders")
    details = {"images": n_images, "videos": n_videos, "fps": fps}
    if bad:
        details["skipped"] = [str(path) for path, _ in bad]
    return (np.stack(frames), np.asarray(labels, np.int64), np.asarray(groups, np.int64),
            tuple(name for name, _ in classes), details)
