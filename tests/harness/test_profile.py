"""tinyvid profile: per-operator counts from the board add up to bench's per-inference count."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.errors import TinyvidError
from tinyvid.harness.profile import ProfileResult, OpProfile, apply_compare, format_table, read_layers_tsv, write_tsv

PEER = "model\tcpu\tvariant\tlayer\top\tinstructions\tmacs\n" \
       "m.tflite\tm4\tref\t0\tCONV_2D\t900\t10\nm.tflite\tm4\tref\t1\tSOFTMAX\t90\t0\n" \
       "m.tflite\tm4\tfast\t0\tCONV_2D\t300\t10\nm.tflite\tm4\tfast\t1\tSOFTMAX\t30\t0\n"


def _result() -> ProfileResult:
    ops = [OpProfile(0, "CONV_2D", "dsp", [[1, 4, 4, 1]], [[1, 4, 4, 1]], 10, 200, 150.0, 0.75, 10 / 150),
           OpProfile(1, "SOFTMAX", "c", [[1, 4]], [[1, 4]], 0, 50, 37.5, 0.2, None)]
    return ProfileResult("m.tflite", "b", "dsp", "instructions", 266, 10, 6, 200.0, ops)


def test_compare_takes_the_fastest_variant_unless_one_is_named(tmp_path):
    peer = tmp_path / "peer.tsv"
    peer.write_text(PEER)
    label, layers = read_layers_tsv(peer, "m.tflite")
    assert label.endswith(":fast") and layers == {0: 300.0, 1: 30.0}
    assert read_layers_tsv(peer, "m", "ref")[1][0] == 900.0
    r = _result()
    apply_compare(r, peer)
    assert [o.compare for o in r.ops] == [300.0, 30.0]
    assert "0.50" in format_table(r)  # 150 / 300
    with pytest.raises(TinyvidError, match="no rows for other"):
        read_layers_tsv(peer, "other.tflite")
    with pytest.raises(TinyvidError, match="variant 'x'"):
        read_layers_tsv(peer, "m", "x")


def test_a_written_tsv_can_be_compared_again(tmp_path):
    r = _result()
    path = write_tsv(r, tmp_path / "run.tsv")
    label, layers = read_layers_tsv(path, "m.tflite")
    assert label == "run.tsv:tinyvid-dsp" and layers == {0: 150.0, 1: 38.0}


@pytest.mark.emulated
@pytest.mark.skipif(not (shutil.which("qemu-system-arm") and shutil.which("arm-none-eabi-gcc")), reason="needs qemu-system-arm and arm-none-eabi-gcc")
def test_profile_of_vww_lists_every_operator_and_adds_up_to_bench(tmp_path, vww_model):
    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    project = generate_project(vww_model, "qemu-mps2-an386", tmp_path / "p").path
    build_project(project)
    plot = tmp_path / "layers.png"
    runner = CliRunner()
    r = runner.invoke(main, ["profile", "--project", str(project), "--json", "--plot", str(plot)])
    assert r.exit_code == 0, r.output
    prof = json.loads(r.stdout)
    assert len(prof["ops"]) == 31
    assert prof["unit"] == "instructions"
    assert [o["op"] for o in prof["ops"]][-3:] == ["RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    assert prof["total_macs"] == 7_489_664
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    b = runner.invoke(main, ["bench", "--project", str(project), "--windows", "1", "--json"])
    assert b.exit_code == 0, b.output
    per_inference = json.loads(b.stdout)["work"]["median"]
    assert abs(prof["total"] - per_inference) / per_inference < 0.01
    assert abs(prof["ops_total"] - per_inference) / per_inference < 0.01
