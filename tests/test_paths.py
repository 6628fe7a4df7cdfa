"""tinyvid.paths: output folders and files are probed for real, and the probe leaves
nothing behind."""

from __future__ import annotations

import pytest

from tinyvid.errors import OutputPathError, TinyvidError
from tinyvid.paths import check_output_dir, check_output_file


def test_a_missing_output_folder_is_probed_and_not_left_behind(tmp_path):
    out = tmp_path / "a" / "b" / "c"
    assert check_output_dir(out) == out
    assert not (tmp_path / "a").exists()


def test_an_existing_output_folder_keeps_its_files_and_gains_none(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    check_output_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_an_output_folder_under_a_file_or_in_proc_is_an_output_path_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputPathError) as caught:
        check_output_dir(tmp_path / "file" / "run")
    assert caught.value.path == tmp_path / "file" / "run"
    assert "is not a folder" in caught.value.reason
    with pytest.raises(OutputPathError, match="it exists and is not a folder"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(TinyvidError, match=r"cannot write to /proc/nope/run: No such file or directory"):
        check_output_dir("/proc/nope/run")


def test_an_output_file_is_checked_without_changing_an_existing_one(tmp_path):
    existing = tmp_path / "report.json"
    existing.write_text("old")
    assert check_output_file(existing) == existing
    assert existing.read_text() == "old"
    check_output_file(tmp_path / "new" / "junit.xml")
    assert not (tmp_path / "new").exists()
    with pytest.raises(OutputPathError, match="it is a folder, not a file"):
        check_output_file(tmp_path)
    with pytest.raises(OutputPathError, match=r"cannot write to /proc/nope/x.xml: No such file or directory"):
        check_output_file("/proc/nope/x.xml", hint="choose another file for --junit")
