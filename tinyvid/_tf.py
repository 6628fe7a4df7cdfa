"""Import TensorFlow with Keras 2 (tf-keras), quietly and exactly once.

tensorflow-model-optimization works with Keras 2 only, so ``TF_USE_LEGACY_KERAS=1``
must be set before anything imports Keras. Every module that needs TensorFlow
calls :func:`tf` / :func:`keras` instead of importing it directly.
"""

from __future__ import annotations

import contextlib
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what TensorFlow's C++ code writes straight to file descriptor 2
    (absl's pre-init warning, CUDA probing on a machine without a GPU, the
    converter's statistics line). Python exceptions raised meanwhile still
    propagate and are printed afterwards. Yields a text stream on the real stderr,
    for progress bars that must stay visible; ``TINYVID_TF_VERBOSE=1`` keeps
    everything."""
    if os.environ.get("TINYVID_TF_VERBOSE"):
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    visible = os.fdopen(os.dup(saved), "w", buffering=1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield visible
    finally:
        visible.close()
        os.dup2(saved, 2)
        os.close(saved)


_loaded = False


def tf():
    global _loaded
    if not _loaded:
        with quiet_native_stderr():
            import tensorflow

            tensorflow.config.list_physical_devices()
        _loaded = True
    import tensorflow

    return tensorflow


def keras():
    tf()
    import tf_keras

    return tf_keras


def tfmot():
    tf()
    import tensorflow_model_optimization

    return tensorflow_model_optimization


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, make TensorFlow ops deterministic, and
    drop any seed generator that ``keras.utils.set_random_seed`` left in Keras: with
    one installed, unseeded initializers draw from it instead of Python's ``random``,
    and the same seed would not repeat a model's weights in a process where anything
    else seeded Keras first."""
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    t = tf()
    t.random.set_seed(seed)
    from tf_keras.src import backend as keras_backend

    keras_backend._SEED_GENERATOR.generator = None
    try:
        t.config.experimental.enable_op_determinism()
    except Exception:  # older TF or already enabled
        pass
