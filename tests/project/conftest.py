"""Fixture firmware for the project tests: host builds of the hand-written models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "firmware"))

from helpers import ECHO_MODEL, TINY_MODEL, make  # noqa: E402

from tinyvid.project import generate_project  # noqa: E402


def _host_firmware(root: Path, name: str, model: Path, **options) -> Path:
    project = generate_project(model, "host", root / name, **options)
    result = make(project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout + result.stderr
    return project.path / "build" / "firmware"


@pytest.fixture(scope="session")
def host_firmware(tmp_path_factory) -> Path:
    """The tiny fixture model (uint8 input files, classifier results) on the host."""
    return _host_firmware(tmp_path_factory.mktemp("fw"), "tiny", TINY_MODEL, model_id="vww01")


@pytest.fixture(scope="session")
def int8_firmware(tmp_path_factory) -> Path:
    return _host_firmware(tmp_path_factory.mktemp("fw"), "tiny_int8", TINY_MODEL, model_id="kws01")


@pytest.fixture(scope="session")
def ad01_firmware(tmp_path_factory) -> Path:
    """The echo fixture as an ad01 autoencoder: float32 input files, MSE result."""
    return _host_firmware(tmp_path_factory.mktemp("fw"), "echo", ECHO_MODEL, model_id="ad01")

