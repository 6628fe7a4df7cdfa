"""The wheel carries the board files and firmware templates, and an installed (not
editable) tinyvid finds and uses them."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TINY_MODEL = REPO / "tests" / "fixtures" / "firmware" / "tiny_model"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="the build backend (pip install -e '.[test]') is needed to build the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    (path,) = out.glob("tinyvid-*.whl")
    return path


def _data_files(folder: str) -> set[str]:
    root = REPO / folder
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("folder", ["boards", "firmware_templates"])
def test_the_wheel_bundles_every_file_of(wheel, folder):
    prefix = f"tinyvid/_bundled/{folder}/"
    with zipfile.ZipFile(wheel) as archive:
        bundled = {n[len(prefix):] for n in archive.namelist() if n.startswith(prefix)}
    assert bundled == _data_files(folder)


def test_an_installed_wheel_generates_a_project_from_its_bundled_templates(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    script = (
        "import json, tinyvid\n"
        "from tinyvid.resources import boards_dir, templates_dir\n"
        "from tinyvid.project import generate_project\n"
        f"p = generate_project({str(TINY_MODEL)!r}, 'qemu-mps2-an386', 'project')\n"
        "print(json.dumps({'package': tinyvid.__file__, 'boards': str(boards_dir()), 'templates': str(templates_dir()),\n"
        "                  'files': sorted(f.name for f in p.path.iterdir())}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["package"].startswith(str(site))
    assert found["boards"] == str(site / "tinyvid" / "_bundled" / "boards")
    assert found["templates"] == str(site / "tinyvid" / "_bundled" / "firmware_templates")
    assert "Makefile" in found["files"] and "tinyvid-project.json" in found["files"]
