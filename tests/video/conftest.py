"""Fixtures of the video tests: firmware projects built once per session, and the
real clips scripts/setup.sh fetches (opencv-doc's, in .cache/video)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIP_DIRS = (REPO / ".cache" / "video", Path("/usr/share/doc/opencv-doc/examples/data"))


@pytest.fixture(scope="session")
def clip():
    """clip(NAME): the path of a real clip, or a skip when setup has not fetched it."""

    def find(name: str) -> Path:
        for folder in CLIP_DIRS:
            if (folder / name).is_file():
                return folder / name
        pytest.skip(f"real clip {name} not found in {', '.join(map(str, CLIP_DIRS))}: run scripts/setup.sh")

    return find


def _project(tmp_path_factory, model: Path, board: str) -> Path:
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    if board != "host" and shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc is not installed")
    out = tmp_path_factory.mktemp(f"{model.stem}-{board}")
    generate_project(model, board=board, out_dir=out)
    build_project(out)
    return out


@pytest.fixture(scope="session")
def vww_qemu(tmp_path_factory, vww_model) -> Path:
    """vww (96x96x3) firmware for the emulated Cortex-M4F."""
    return _project(tmp_path_factory, vww_model, "qemu-mps2-an386")


@pytest.fixture(scope="session")
def resnet8_host(tmp_path_factory, resnet8_model) -> Path:
    """resnet8 (32x32x3, 10 classes) firmware for the host board: a native process."""
    return _project(tmp_path_factory, resnet8_model, "host")
