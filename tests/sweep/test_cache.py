"""The sweep's cache: a stage is reused only once its done marker is written; what an
interrupted stage left behind is cleared and redone."""

from __future__ import annotations

import json

from tinyvid.sweep.cache import DONE, Stage, key_of


def test_keys_are_stable_and_change_with_any_input():
    assert key_of("train", 32, 0.5) == key_of("train", 32, 0.5)
    assert len({key_of("train", 32, 0.5), key_of("train", 32, 1.0), key_of("train", 48, 0.5)}) == 3
    assert key_of({"b": 1, "a": 2}) == key_of({"a": 2, "b": 1})


def test_a_stage_is_done_only_after_finish_and_returns_what_it_stored(tmp_path):
    stage = Stage(tmp_path, "train", "r32-w0.5", key_of("x"))
    assert not stage.done
    folder = stage.start()
    (folder / "model.keras").write_text("weights")
    assert not stage.done  # interrupted here: no marker
    stage.finish({"model": str(folder / "model.keras"), "accuracy": 0.9})
    assert stage.done
    assert Stage(tmp_path, "train", "r32-w0.5", key_of("x")).result() == {"model": str(folder / "model.keras"),
                                                                            "accuracy": 0.9}
    assert json.loads((folder / DONE).read_text())["accuracy"] == 0.9


def test_starting_an_interrupted_stage_clears_what_it_left(tmp_path):
    stage = Stage(tmp_path, "compress", "p0.5", key_of("y"))
    folder = stage.start()
    (folder / "half_written.tflite").write_bytes(b"\0" * 10)
    folder = Stage(tmp_path, "compress", "p0.5", key_of("y")).start()
    assert list(folder.iterdir()) == []
