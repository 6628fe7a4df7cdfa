"""Shared fixtures. Tests mirror the package: tests/<area>/test_<module>.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
