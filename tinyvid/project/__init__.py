"""Firmware projects: a generated model + the firmware templates of a board.

``generate_project(model, board, out_dir)`` writes a project that builds with its
own ``make`` and a ``tinyvid-project.json`` manifest that the build, launch and
harness stages read.
"""

from tinyvid.project.conversions import CONVERSIONS, default_conversion
from tinyvid.project.generate import Project, generate_project
from tinyvid.project.manifest import MANIFEST_NAME, load_manifest, project_board
from tinyvid.project.model_header import ModelInfo, TensorInfo, read_model_header

__all__ = [
    "CONVERSIONS",
    "MANIFEST_NAME",
    "ModelInfo",
    "Project",
    "TensorInfo",
    "default_conversion",
    "generate_project",
    "load_manifest",
    "project_board",
    "read_model_header",
]
