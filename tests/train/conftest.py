"""Small real data and a small trained model, shared by the train tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def lfw_small():
    """lfw_subset at 16x16: 200 real photos, loads in well under a second."""
    from tinyvid.data import load_dataset

    return load_dataset("lfw", image_size=(16, 16))


@pytest.fixture(scope="session")
def trained_small(lfw_small, tmp_path_factory):
    """A tiny_cnn trained for 2 epochs on lfw at 16x16 (a few seconds)."""
    from tinyvid.train import train

    out = tmp_path_factory.mktemp("trained")
    return train(lfw_small, "tiny_cnn", epochs=2, seed=1, out_dir=out, progress=False, filters=4, blocks=3)
