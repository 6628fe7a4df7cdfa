"""A project carries its board: a copy of the board file and its hash, so a
custom board file works through build, bench, validate and run with nothing repeated."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import TINY_MODEL, have_arm_toolchain, have_qemu

from tinyvid.boards import load_board
from tinyvid.cli import main
from tinyvid.errors import ProjectError
from tinyvid.project import generate_project, project_board


def _custom_board(tmp_path, base: str = "qemu-mps2-an386"):
    """``my-board.toml``: a shipped board file under a name tinyvid does not know."""
    text = load_board(base).path.read_text().replace(f'name = "{base}"', 'name = "my-board"')
    path = tmp_path / "boards" / "my-board.toml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_a_project_keeps_a_copy_of_its_board_file_and_its_hash(tmp_path):
    board_file = _custom_board(tmp_path)
    project = generate_project(TINY_MODEL, board_file, tmp_path / "p")
    copy = project.path / "board" / "my-board.toml"
    assert copy.read_bytes() == board_file.read_bytes()
    assert project.manifest["board"] == "my-board" and project.manifest["board_file"] == "board/my-board.toml"
    import hashlib

    assert project.manifest["board_sha256"] == hashlib.sha256(board_file.read_bytes()).hexdigest()
    board_file.unlink()  # the project needs nothing outside itself
    assert project_board(project.path) == load_board(copy)


def test_an_edited_board_copy_is_refused_naming_both_hashes(tmp_path):
    project = generate_project(TINY_MODEL, _custom_board(tmp_path), tmp_path / "p")
    copy = project.path / "board" / "my-board.toml"
    copy.write_text(copy.read_text().replace("active_ma = 2.5", "active_ma = 25.0"))
    with pytest.raises(ProjectError) as err:
        project_board(project.path)
    assert "changed after the project was generated" in err.value.message
    assert project.manifest["board_sha256"][:16] in err.value.message
    assert "tinyvid project" in err.value.hint


def test_regenerating_for_another_board_replaces_the_copy(tmp_path):
    generate_project(TINY_MODEL, _custom_board(tmp_path), tmp_path / "p")
    project = generate_project(TINY_MODEL, "host", tmp_path / "p")
    assert [p.name for p in (project.path / "board").iterdir()] == ["host.toml"]
    assert project_board(project.path).name == "host"


def test_a_project_from_an_older_tinyvid_is_refused_with_a_hint(tmp_path):
    project = generate_project(TINY_MODEL, "host", tmp_path / "p")
    manifest = json.loads(project.manifest_path.read_text())
    manifest["manifest_version"] = 1
    project.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ProjectError, match="manifest version 1, this tinyvid reads version 2"):
        project_board(project.path)


@pytest.mark.emulated
@pytest.mark.skipif(not (have_arm_toolchain() and have_qemu()), reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_bench_and_validate_run_a_custom_board_project_with_nothing_repeated(tmp_path):
    board_file = _custom_board(tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["project", str(TINY_MODEL), "--board", str(board_file), "-o", str(tmp_path / "p")])
    assert out.exit_code == 0, out.output
    board_file.unlink()
    out = runner.invoke(main, ["bench", "--project", str(tmp_path / "p"), "--windows", "1", "--iterations", "2",
                               "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["board"] == "my-board" and result["work_unit"] == "instructions"
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for i in range(2):
        (inputs / f"in{i}.bin").write_bytes(bytes(range(i, i + 16)))
    # The fixture model is hand-written C: there is no .tflite to compare with.
    out = runner.invoke(main, ["validate", "--project", str(tmp_path / "p"), "--no-reference", "--data", str(inputs)])
    assert out.exit_code == 0, out.output
