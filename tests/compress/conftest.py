"""Fixtures for the compress tests: a small synthetic data set and a small trained model."""

from __future__ import annotations

import pytest

IMAGE_SIZE = (24, 24)


@pytest.fixture(scope="session")
def small_data():
    """The built-in synthetic video frames at 24x24 grey (about 2,900 frames, 3 classes)."""
    from tinyvid.data import load_dataset

    return load_dataset("synthetic", image_size=IMAGE_SIZE, channels=1, seed=0)


@pytest.fixture(scope="session")
def small_model(small_data):
    """A tiny_cnn (4-8-16 filters) trained for 8 epochs on ``small_data`` (test accuracy
    0.72-0.76 over model seeds 0-4; 4 epochs gave 0.69-0.75)."""
    from tinyvid.compress.finetune import FinetuneOptions, finetune
    from tinyvid.train import build_model
    from tinyvid import _tf

    _tf.set_seed(0)
    model = build_model("tiny_cnn", small_data.input_shape, small_data.num_classes, filters=4, blocks=3, dropout=0.0)
    finetune(model, small_data.train.x, small_data.train.y,
             FinetuneOptions(epochs=8, batch_size=32, learning_rate=3e-3, seed=0, progress=False))
    return model


@pytest.fixture(scope="session")
def small_model_path(small_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    small_model.save(path)
    return path
