"""Models built and saved outside tinyvid with today's Keras (Keras 3) reach a board:
import -> compress -> project -> build -> validate, bit-exact, exit 0.

The models come from tests/fixtures/keras3/make_models.py, run in its own Python
with plain ``keras`` (no ``TF_USE_LEGACY_KERAS``), as a user would save them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinyvid.cli import main

MAKE_MODELS = Path(__file__).resolve().parent.parent / "fixtures" / "keras3" / "make_models.py"


@pytest.fixture(scope="module")
def keras3_models(tmp_path_factory):
    out = tmp_path_factory.mktemp("keras3")
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    proc = subprocess.run([sys.executable, str(MAKE_MODELS), str(out)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _ok(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, f"tinyvid {' '.join(map(str, args))}\n{result.output}"
    return result


def _board(model, tmp_path, *, validate: bool = True):
    project = tmp_path / "project"
    _ok(["project", model, "-o", project])
    _ok(["build", project])
    if validate:
        result = _ok(["validate", "--project", project, "--samples", "4", "--json"])
        data = json.loads(result.stdout)
        assert data["compared"] == 4 and data["differing"] == 0 and data["max_lsb"] == 0


@pytest.mark.slow
@pytest.mark.emulated
@pytest.mark.parametrize(("name", "qat"), [("model.keras", False), ("model.h5", True)])
def test_a_keras3_model_is_imported_pruned_quantized_and_bit_exact_on_the_board(keras3_models, tmp_path, name, qat):
    imported = tmp_path / "import"
    _ok(["import", keras3_models / name, "-o", imported])
    assert json.loads((imported / "model.json").read_text())["model_file"] == "model.keras"
    _ok(["inspect", keras3_models / name])
    compressed = tmp_path / "compress"
    _ok(["compress", imported / "model.keras", "--data", "synthetic", "--sparsity", "0.5", "--epochs", "1",
         *(["--qat"] if qat else []), "-o", compressed])
    report = json.loads((compressed / "report.json").read_text())
    assert [s["name"] for s in report["stages"]] == ["float", "pruned", "int8"]
    assert report["stages"][-1]["note"].startswith("QAT" if qat else "post-training")
    assert report["stages"][-1]["sparsity"] > 0.3  # the pruned zeros reach the int8 weights
    _board(compressed / "model_int8.tflite", tmp_path)


@pytest.mark.slow
@pytest.mark.emulated
@pytest.mark.parametrize("name", ["saved_model", "model_float.tflite"])
def test_a_savedmodel_or_float_tflite_is_quantized_and_bit_exact_on_the_board(keras3_models, tmp_path, name):
    model = keras3_models / name
    refused = CliRunner().invoke(main, ["project", str(model), "-o", str(tmp_path / "float_project")])
    if name.endswith(".tflite"):  # the float model itself is refused, with a hint that leads to compress
        assert refused.exit_code == 2 and "tinyvid compress MODEL" in refused.output
    pruning = CliRunner().invoke(main, ["compress", str(model), "--data", "synthetic", "--sparsity", "0.5",
                                        "-o", str(tmp_path / "pruned")])
    assert pruning.exit_code == 2 and "without Keras layers: --sparsity" in pruning.output
    compressed = tmp_path / "compress"
    _ok(["compress", model, "--data", "synthetic", "-o", compressed])
    report = json.loads((compressed / "report.json").read_text())
    assert [s["name"] for s in report["stages"]] == ["float", "int8"]
    assert report["stages"][1]["agreement_with_float"] > 0.9 and report["tflm"]["agree"]
    _board(compressed / "model_int8.tflite", tmp_path)
