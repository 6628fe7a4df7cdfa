"""Frames to model input: aspect-preserving centre crop, resize, grayscale or RGB."""

from __future__ import annotations

import numpy as np

DEFAULT_IMAGE_SIZE = (48, 48)
DEFAULT_CHANNELS = 1


def to_model_input(rgb: np.ndarray, image_size: tuple[int, int], channels: int) -> np.ndarray:
    """One uint8 image (H x W x 3 RGB or H x W gray) -> uint8 ``h x w x channels``.

    The largest centred window with the target aspect ratio is cut out and resized
    (area interpolation when shrinking, linear when enlarging).
    """
    import cv2

    h, w = image_size
    src_h, src_w = rgb.shape[:2]
    if src_h * w > src_w * h:  # too tall: crop rows
        crop_h, crop_w = max(1, int(round(src_w * h / w))), src_w
    else:  # too wide: crop columns
        crop_h, crop_w = src_h, max(1, int(round(src_h * w / h)))
    top, left = (src_h - crop_h) // 2, (src_w - crop_w) // 2
    img = rgb[top : top + crop_h, left : left + crop_w]
    shrink = crop_h >= h and crop_w >= w
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    if img.ndim == 2:
        img = img[:, :, None]
    if channels == 1 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None]
    elif channels == 3 and img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img, dtype=np.uint8)


def to_float(frames_u8: np.ndarray) -> np.ndarray:
    """uint8 frames -> float32 in [0, 1], exactly ``uint8 / 255`` (the int8 input scale)."""
    return (frames_u8.astype(np.float32) / np.float32(255.0)).astype(np.float32)


def check_shape(image_size, channels) -> tuple[tuple[int, int], int]:
    from tinyvid.errors import DataError

    h, w = (int(v) for v in image_size)
    if h < 8 or w < 8 or h > 1024 or w > 1024:
        raise DataError(f"image size {h}x{w} is out of range", "use a size between 8x8 and 1024x1024, e.g. 48x48")
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 or 3, not {channels}", "use 1 (grayscale) or 3 (RGB)")
    return (h, w), int(channels)
