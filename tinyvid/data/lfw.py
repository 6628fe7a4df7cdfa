"""scikit-image's ``lfw_subset``: 200 real 25 x 25 grey photos, faces and non-faces."""

from __future__ import annotations

import numpy as np

from tinyvid.data.preprocess import to_model_input

CLASS_NAMES = ("non_face", "face")
NATIVE_SIZE = (25, 25)


def load(image_size, channels: int):
    """uint8 frames, labels, groups (one per photo) and class names.

    The bundled array holds 100 faces (Labeled Faces in the Wild) followed by 100
    non-face patches. Each photo is its own group.
    """
    from skimage.data import lfw_subset

    photos = lfw_subset()  # (200, 25, 25) float64 in [0, 1]
    u8 = np.clip(np.rint(photos * 255), 0, 255).astype(np.uint8)
    frames = np.stack([to_model_input(img, image_size, channels) for img in u8])
    labels = np.concatenate([np.ones(100, np.int64), np.zeros(len(u8) - 100, np.int64)])
    return frames, labels, np.arange(len(u8), dtype=np.int64), CLASS_NAMES
