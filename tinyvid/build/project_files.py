"""Finds a project's board and firmware image from its folder (or its image)."""

from __future__ import annotations

from pathlib import Path

from tinyvid.errors import ProjectError
from tinyvid.project.manifest import MANIFEST_NAME, load_manifest, project_board

__all__ = ["firmware_path", "project_board", "project_dir_of"]


def project_dir_of(path: str | Path) -> Path:
    """The project folder of ``path``: the folder itself, or the project that a
    firmware image ``DIR/build/firmware[.elf]`` belongs to."""
    path = Path(path)
    if path.is_file() and (path.parent.parent / MANIFEST_NAME).is_file():
        return path.parent.parent
    if path.is_dir():
        return path
    raise ProjectError(f"{path} is neither a tinyvid project folder nor its firmware", "give the folder 'tinyvid project' wrote")


def firmware_path(project_dir: Path) -> Path:
    manifest = load_manifest(project_dir)
    image = project_dir / manifest["firmware"]
    if not image.is_file():
        raise ProjectError(f"{image} does not exist", f"build the project first: tinyvid build {project_dir}")
    return image
