"""Shared fixtures. Tests mirror the package: tests/<area>/test_<module>.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import Phase, settings

# No "explain" phase: it traces every line of a failing example (TensorFlow conversions
# included) and can take longer than the rest of the run; the failing example and its
# shrunk form are still reported.
settings.register_profile("tinyvid", phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])
settings.load_profile("tinyvid")

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"


@pytest.fixture(scope="session")
def shared_models() -> Path:
    """The MLPerf Tiny reference models, shipped in the checkout (models/)."""
    return MODELS


@pytest.fixture(scope="session")
def vww_model(shared_models: Path) -> Path:
    return shared_models / "vww_96_int8.tflite"


@pytest.fixture(scope="session")
def resnet8_model(shared_models: Path) -> Path:
    return shared_models / "resnet8_cifar10_int8.tflite"
