"""One implementation per concept on the model side (issue 10, item 13)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tinyvid"


def _sources():
    return {p.relative_to(PACKAGE).as_posix(): p.read_text() for p in PACKAGE.rglob("*.py")}


def test_litert_and_tflm_interpreters_are_built_only_in_model_reference():
    built = {name for name, text in _sources().items()
             if re.search(r"\bInterpreter\(|Interpreter\.from_bytes\(", text)}
    assert built == {"model/reference.py"}


def test_keras_models_are_loaded_only_by_the_one_loader():
    loaders = {name for name, text in _sources().items() if re.search(r"load_model\(", text)}
    assert loaders == {"train/importer.py", "train/keras3.py"}


def test_one_keras_mac_counter_and_one_best_epoch_callback():
    sources = _sources()
    assert not (PACKAGE / "compress" / "macs.py").exists()
    assert [n for n, t in sources.items() if re.search(r"^def (keras_macs|layer_costs|total_macs)\(", t, re.M)] == ["train/macs.py"]
    assert [n for n, t in sources.items() if re.search(r"callbacks\.Callback\):", t) and "best" in t.lower()
            and "restore" in t.lower()] == ["train/fitting.py"]


def test_one_tensor_info():
    from tinyvid.codegen import TensorInfo
    from tinyvid.project import TensorInfo as ProjectTensorInfo

    assert ProjectTensorInfo is TensorInfo
    assert [n for n, t in _sources().items() if "class TensorInfo" in t] == ["codegen/emit.py"]
