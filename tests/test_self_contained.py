"""A fresh clone needs nothing beside it: the reference models ship in models/ with
their license and sha256, and no file of the repository points outside the checkout."""

import hashlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTSIDE = ".." + "/shared"  # spelled in two pieces so this file does not match itself
SCANNED = ("README.md", "docs", "examples", "benchmarks", "tests", "tinyvid", "scripts", "firmware_templates", "boards",
           "pyproject.toml", ".ci")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".txt", ".sh", ".c", ".h", ".j2", ".jinja", ".ld", ".mk", ".cfg", ""}


def _text_files():
    for name in SCANNED:
        root = REPO / name
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in TEXT_SUFFIXES:
                yield path


def test_no_file_of_the_repository_refers_to_a_folder_beside_the_checkout():
    offenders = []
    for path in _text_files():
        text = path.read_text(errors="replace")
        offenders += [f"{path.relative_to(REPO)}:{n}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE in line]
    assert not offenders, offenders


def test_the_reference_models_ship_with_their_license_and_the_sha256_their_readme_states():
    readme = (REPO / "models" / "README.md").read_text()
    assert "Apache License" in readme and "MLCommons" in readme
    stated = dict((name, digest) for name, digest in
                  re.findall(r"`([\w.]+\.tflite)`.*?`([0-9a-f]{64})`", readme))
    assert set(stated) == {"vww_96_int8.tflite", "resnet8_cifar10_int8.tflite"}
    for name, digest in stated.items():
        assert hashlib.sha256((REPO / "models" / name).read_bytes()).hexdigest() == digest, name


def test_the_example_suite_names_models_inside_the_checkout():
    suite_file = REPO / "examples" / "suite.toml"
    cases = tomllib.loads(suite_file.read_text())["case"]
    for case in cases:
        model = (suite_file.parent / case["model"]).resolve()
        assert model.is_file(), case["model"]
        assert model.is_relative_to(REPO), case["model"]


@pytest.mark.parametrize("script", ["bench_codegen.py", "bench_boards.py"])
def test_a_benchmark_defaults_to_the_models_in_the_checkout(script):
    import importlib.util

    spec = importlib.util.spec_from_file_location(script[:-3], REPO / "benchmarks" / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEFAULT_MODELS
    for model in module.DEFAULT_MODELS:
        assert model.is_file() and model.is_relative_to(REPO / "models")


@pytest.mark.parametrize("script", ["bench_codegen.py", "bench_boards.py", "bench_compression.py"])
def test_a_benchmark_given_a_missing_model_says_so_in_one_line_without_a_traceback(script, tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--model", str(tmp_path / "nope.tflite")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "no such model" in done.stderr and "nope.tflite" in done.stderr


def test_bench_codegen_runs_with_no_model_argument_on_a_fresh_checkout(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_codegen.py"), "--no-instructions", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {row["model"]: row for row in __import__("json").loads(done.stdout)}
    assert rows["vww_96_int8.tflite"]["macs"] == 7_489_664
    assert rows["resnet8_cifar10_int8.tflite"]["macs"] == 12_501_632
