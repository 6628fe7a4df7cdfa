"""Suite files are validated: every mistake names the file and the key."""

import pytest

from tinyvid.errors import SuiteError
from tinyvid.harness.suite import load_suite

GOOD = """
version = 1
name = "nightly"
baseline = "base.json"
[tolerances]
latency_us = 0.1
[defaults]
windows = 2
samples = 4
[[case]]
name = "vww"
models = ["a.tflite", "b.tflite"]
boards = ["qemu-mps2-an386", "host"]
[case.budget]
latency_us = 1000
bit_exact = 1.0
[[case]]
name = "one"
model = "/abs/m.tflite"
board = "host"
data = "frames"
iterations = 3
"""


def write(tmp_path, text):
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_a_suite_expands_models_times_boards_with_defaults_and_paths(tmp_path):
    suite = load_suite(write(tmp_path, GOOD))
    assert suite.name == "nightly" and suite.baseline == tmp_path / "base.json"
    ids = [c.id for c in suite.cases]
    assert ids[:2] == ["vww:a@qemu-mps2-an386:synthetic", "vww:a@host:synthetic"]
    assert len(ids) == 5 and ids[-1] == "one"
    first = suite.cases[0]
    assert first.model == tmp_path / "a.tflite"
    assert (first.windows, first.samples, first.budget) == (2, 4, {"latency_us": 1000.0, "bit_exact": 1.0})
    assert first.tolerances == {}
    assert suite.cases[-1].data == str(tmp_path / "frames") and suite.cases[-1].iterations == 3
    assert suite.tolerances["latency_us"] == 0.1 and suite.tolerances["arena_bytes"] == 0.0


@pytest.mark.parametrize("text, where", [
    ('version = 1\nfrobnicate = 3\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n', "frobnicate"),
    ('version = 2\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n', "version"),
    ('version = 1\n', "case"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\nwindows="3"\n', "case 'a'.windows"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\nflavour=1\n', "case[0].flavour"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n[case.budget]\nspeed=1\n', "case 'a'.budget.speed"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n[case.budget]\nlatency_us="fast"\n',
     "case 'a'.budget.latency_us"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nmodels=["m"]\nboard="b"\n', "case 'a'.model"),
    ('version = 1\n[[case]]\nmodel="m"\nboard="b"\n', "case[0].name"),
    ('version = 1\n[tolerances]\nlatency_us=-1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n', "tolerances.latency_us"),
    ('version = 1\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n[[case]]\nname="a"\nmodel="m"\nboard="b"\n', "same name"),
])
def test_invalid_suites_name_the_file_and_the_key(tmp_path, text, where):
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(path) in err.value.message
    assert where in err.value.message


def test_a_toml_syntax_error_and_a_missing_file_are_suite_errors(tmp_path):
    with pytest.raises(SuiteError, match="not valid TOML"):
        load_suite(write(tmp_path, "version = = 1"))
    with pytest.raises(SuiteError, match="does not exist"):
        load_suite(tmp_path / "nope.toml")


def test_the_example_suite_is_valid():
    from pathlib import Path

    suite = load_suite(Path(__file__).resolve().parents[2] / "examples" / "suite.toml")
    assert suite.cases


@pytest.mark.emulated
def test_the_example_suite_meets_its_stored_baseline_on_every_deterministic_figure(tmp_path, shared_models):
    # The README tells users to run examples/suite.toml: its baseline must be current.
    # Host-board latencies are this machine's and may drift under load; instruction
    # counts (QEMU -icount), memory sizes and bit-exactness may not.
    import shutil
    from pathlib import Path

    from tinyvid.harness.regress import regress

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm or arm-none-eabi-gcc not installed")
    examples = Path(__file__).resolve().parents[2] / "examples"
    suite_dir = tmp_path / "checkout" / "examples"
    suite_dir.mkdir(parents=True)
    for name in ("suite.toml", "suite-baseline.json"):
        shutil.copy(examples / name, suite_dir / name)
    (tmp_path / "checkout" / "models").symlink_to(shared_models)
    outcome = regress(suite_dir / "suite.toml", echo=lambda line: None)
    assert all(case.error is None for case in outcome.cases)
    deterministic = {"instructions", "arena_bytes", "flash_bytes", "ram_bytes", "bit_exact", "max_lsb"}
    broken = [(c.case.name, f.describe()) for c in outcome.cases for f in c.regressions if f.metric in deterministic]
    assert not broken
    assert sum(f.metric == "flash_bytes" and f.source == "baseline" for c in outcome.cases for f in c.findings) == 3
