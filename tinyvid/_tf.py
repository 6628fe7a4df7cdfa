"""Import TensorFlow with Keras 2 (tf-keras), quietly and exactly once.

tensorflow-model-optimization works with Keras 2 only, so ``TF_USE_LEGACY_KERAS=1``
must be set before anything imports Keras. Every module that needs TensorFlow
calls :func:`tf` / :func:`keras` instead of importing it directly.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tf():
    import tensorflow

    return tensorflow


def keras():
    import tf_keras

    return tf_keras


def tfmot():
    import tensorflow_model_optimization

    return tensorflow_model_optimization


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    t = tf()
    t.random.set_seed(seed)
    try:
        t.config.experimental.enable_op_determinism()
    except Exception:  # older TF or already enabled
        pass
