"""Where streamed frames come from, and how they become model inputs.

A source is a video file, a folder of clips or of images (an image sequence; with
class subfolders, each clip or image is labelled with its folder's name), the
built-in ``synthetic`` stream (:mod:`tinyvid.video.scenes`, with ground truth) or
a camera (OpenCV capture). Every frame is preprocessed exactly as training
preprocesses frames (:func:`tinyvid.data.preprocess.to_model_input`): the largest
centred window with the model's aspect ratio is cut out, resized to the model's
input (area interpolation when shrinking, linear when enlarging), and made grey or
RGB; a clip is sampled at ``fps`` frames per second (a frame is kept when its time
reaches the next 1 / fps step, as :func:`tinyvid.data.folders.read_video` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyvid.data.folders import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, read_image
from tinyvid.data.preprocess import to_model_input
from tinyvid.errors import DataError, UsageError
from tinyvid.video import scenes

#: frames a stream takes at most (a camera or a long clip is cut there)
MAX_FRAMES = 10_000
#: frames per second of an image sequence when --fps is not given
SEQUENCE_FPS = 10.0
#: synthetic frames when --max-frames is not given
SYNTHETIC_FRAMES = 300


@dataclass
class StreamFrames:
    """Preprocessed frames ready for the board, with what is known about them."""

    frames: np.ndarray                     # N x h x w x c uint8
    fps: float                             # frames per second of the stream (after sampling)
    origin: str                            # what they are, for the report
    policy: str                            # the preprocessing, in words
    labels: np.ndarray | None = None       # class index per frame (into class_names)
    class_names: tuple[str, ...] = ()
    active: np.ndarray | None = None       # an event (object) is in view: ground truth for the gate
    names: list[str] = field(default_factory=list)  # the file (and frame) of each

    def __len__(self) -> int:
        return len(self.frames)


def policy_text(image: tuple[int, int, int], fps: float, native_fps: float | None) -> str:
    h, w, c = image
    sampled = (f"{fps:g} frames per second sampled from {native_fps:g}" if native_fps and native_fps > fps + 1e-9
               else f"every frame ({fps:g} frames per second)")
    return (f"centre crop to the {w}:{h} aspect ratio, resize to {w}x{h} (area when shrinking, linear when "
            f"enlarging), {'grey (luma)' if c == 1 else 'RGB'} uint8 as the model's input; {sampled}")


def _clip_frames(path: Path, fps: float | None, limit: int):
    """Yields (index in the clip, uint8 RGB frame) sampled at ``fps``; and its native rate."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise DataError(f"cannot open video {path}",
                        "the file is corrupt or its codec is not supported by OpenCV; re-encode it "
                        "(e.g. to MJPG .avi or H.264 .mp4)")
    native = cap.get(cv2.CAP_PROP_FPS)
    native = native if native and 0 < native < 1000 else 25.0
    rate = native if fps is None else min(float(fps), native)

    def frames():
        try:
            index, kept, next_time = 0, 0, 0.0
            while kept < limit:
                ok, frame = cap.read()
                if not ok or frame is None:
                    break
                if index / native + 1e-9 >= next_time:
                    yield index, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                    kept += 1
                    next_time += 1.0 / rate
                index += 1
        finally:
            cap.release()

    return native, rate, frames()


def load_stream(source: str | None, image: tuple[int, int, int], *, fps: float | None = None,
                max_frames: int | None = None, camera: int | None = None, seed: int = 0,
                progress: bool = False) -> StreamFrames:
    """The frames of ``source`` preprocessed to ``image`` (height, width, channels)."""
    limit = MAX_FRAMES if max_frames is None else int(max_frames)
    if limit < 1:
        raise UsageError(f"--max-frames must be at least 1, not {limit}", "use e.g. --max-frames 100")
    if fps is not None and fps <= 0:
        raise UsageError(f"--fps must be positive, not {fps:g}", "use e.g. --fps 10")
    h, w, c = image
    if camera is not None:
        if source is not None:
            raise UsageError("give a SOURCE or --camera, not both", "leave out SOURCE to stream from the camera")
        return _camera(camera, image, fps, min(limit, MAX_FRAMES) if max_frames is None else limit)
    if source is None:
        raise UsageError("no frames to stream", "give SOURCE (a video, a folder, synthetic) or --camera N")
    if source in ("synthetic", "synthetic-moving"):
        n = SYNTHETIC_FRAMES if max_frames is None else limit
        camera_kind = "moving" if source.endswith("moving") else "static"
        # rendered at the model's aspect ratio, so that the crop keeps every pixel the
        # ground truth was decided on
        native = (max(h, round(scenes.SIZE[0] * h / max(h, w))), max(w, round(scenes.SIZE[0] * w / max(h, w))))
        scene = scenes.synthetic_stream(n, seed=seed, camera=camera_kind, size=native)
        rate = scenes.FPS if fps is None else float(fps)
        step = max(1, int(round(scenes.FPS / rate))) if rate < scenes.FPS else 1
        keep = np.arange(0, n, step)
        frames = np.stack([to_model_input(f, (h, w), c) for f in scene.frames[keep]])
        return StreamFrames(frames, scenes.FPS / step,
                            f"synthetic stream, {camera_kind} camera, seed {seed}: {len(keep)} frames, "
                            f"{scene.events} motion events",
                            policy_text(image, scenes.FPS / step, scenes.FPS if step > 1 else None),
                            labels=scene.labels[keep], class_names=scenes.CLASS_NAMES, active=scene.active[keep],
                            names=[f"synthetic#{i}" for i in keep])
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"stream source {source} does not exist",
                        "give a video file, a folder of clips or images, synthetic, synthetic-moving or --camera N")
    if path.is_file():
        return _files([(path, None)], (), image, fps, limit, str(path))
    return _folder(path, image, fps, limit)


def _files(files: list[tuple[Path, int | None]], class_names, image, fps, limit, origin) -> StreamFrames:
    h, w, c = image
    frames, labels, names = [], [], []
    native_rates, rates = [], []
    images = [p for p, _ in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    for path, label in files:
        if len(frames) >= limit:
            break
        if path.suffix.lower() in VIDEO_EXTENSIONS:
            native, rate, clip = _clip_frames(path, fps, limit - len(frames))
            native_rates.append(native)
            rates.append(rate)
            for index, rgb in clip:
                frames.append(to_model_input(rgb, (h, w), c))
                labels.append(label)
                names.append(f"{path.name}#{index}")
        elif path.suffix.lower() in IMAGE_EXTENSIONS:
            frames.append(to_model_input(read_image(path), (h, w), c))
            labels.append(label)
            names.append(path.name)
    if not frames:
        raise DataError(f"no frame could be read from {origin}",
                        f"give video clips ({', '.join(e[1:] for e in VIDEO_EXTENSIONS[:4])}, ...) or images")
    if images and rates:
        rate = min(rates)
    elif rates:
        rate = min(rates)
    else:
        rate = SEQUENCE_FPS if fps is None else float(fps)
    native = max(native_rates) if native_rates else None
    has_labels = class_names and all(label is not None for label in labels)
    return StreamFrames(np.stack(frames), rate, f"{origin}: {len(frames)} frames",
                        policy_text(image, rate, native), labels=np.asarray(labels, np.int64) if has_labels else None,
                        class_names=tuple(class_names) if has_labels else (), names=names)


def _folder(root: Path, image, fps, limit) -> StreamFrames:
    def media(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                      and p.suffix.lower() in IMAGE_EXTENSIONS + VIDEO_EXTENSIONS)

    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if classes:
        files = [(f, label) for label, d in enumerate(classes) for f in media(d)]
        names = tuple(d.name for d in classes)
    else:
        files, names = [(f, None) for f in media(root)], ()
    if not files:
        raise DataError(f"folder {root} holds no video clips or images",
                        "give a folder of clips, of images (an image sequence) or of class subfolders holding them")
    return _files(files, names, image, fps, limit, str(root))


def _camera(index: int, image, fps, limit) -> StreamFrames:
    import cv2

    h, w, c = image
    cap = cv2.VideoCapture(int(index))
    try:
        if not cap.isOpened():
            raise DataError(f"cannot open camera {index}",
                            "check that a camera is attached and free (ls /dev/video*), or stream a video file "
                            "or 'synthetic' instead")
        native = cap.get(cv2.CAP_PROP_FPS) or 30.0
        rate = native if fps is None else min(float(fps), native)
        frames, index_in, next_time = [], 0, 0.0
        while len(frames) < limit:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            if index_in / native + 1e-9 >= next_time:
                frames.append(to_model_input(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (h, w), c))
                next_time += 1.0 / rate
            index_in += 1
    finally:
        cap.release()
    if not frames:
        raise DataError(f"camera {index} delivered no frame", "check the camera, or stream a video file instead")
    return StreamFrames(np.stack(frames), rate, f"camera {index}: {len(frames)} frames", policy_text(image, rate, native),
                        names=[f"camera#{i}" for i in range(len(frames))])
