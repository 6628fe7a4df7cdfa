"""Markers match their definitions in pyproject.toml: a test that builds and boots
firmware (the host board's or an emulated one) is marked ``emulated``, so
``-m "not emulated"`` really runs no firmware."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: fixtures that build a firmware and hand it (or a client talking to it) to the test
FIRMWARE_FIXTURES = {"host_firmware", "int8_firmware", "ad01_firmware", "sanitized", "dut"}


def _marks(decorators) -> set[str]:
    names = set()
    for d in decorators:
        text = ast.unparse(d)
        if text.startswith("pytest.mark."):
            names.add(text.split(".")[2].split("(")[0])
    return names


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            return {m.split(".")[2].split("(")[0] for m in ast.unparse(node.value).replace("[", " ").replace("]", " ")
                    .replace(",", " ").split() if m.startswith("pytest.mark.")}
    return set()


def test_every_test_using_a_firmware_fixture_is_marked_emulated():
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module = _module_marks(tree)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            used = {a.arg for a in node.args.args} & FIRMWARE_FIXTURES
            if used and "emulated" not in module | _marks(node.decorator_list):
                unmarked.append(f"{path.relative_to(TESTS)}::{node.name} ({', '.join(sorted(used))})")
    assert not unmarked, "not marked emulated: " + "; ".join(unmarked)


#: fixtures that train a model (or convert a trained one) for the test
TRAINED_FIXTURES = {"small_model", "small_model_path", "int8_model", "structured_report", "trained_small",
                    "float_tflite", "folder_model", "keras3_models"}


def test_every_test_using_a_trained_model_fixture_is_marked_slow():
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module = _module_marks(tree)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            used = {a.arg for a in node.args.args} & TRAINED_FIXTURES
            if used and "slow" not in module | _marks(node.decorator_list):
                unmarked.append(f"{path.relative_to(TESTS)}::{node.name} ({', '.join(sorted(used))})")
    assert not unmarked, "not marked slow: " + "; ".join(unmarked)
