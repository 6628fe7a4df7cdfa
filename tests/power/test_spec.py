"""Monitor specs: bad ones are one clear error, on the command line and in a board file."""


import pytest
from click.testing import CliRunner

from tinyvid.boards import load_board
from tinyvid.resources import boards_dir
from tinyvid.cli import main
from tinyvid.errors import BoardError, PowerError
from tinyvid.power import parse_spec


def test_a_spec_parses_into_kind_target_and_options():
    spec = parse_spec("lpm01a:/dev/ttyACM0,freq=1k,volts=3000m,record=t.csv")
    assert (spec.kind, spec.target, spec.sync, spec.record) == ("lpm01a", "/dev/ttyACM0", "fall", "t.csv")
    assert spec.number("freq") == 1000 and spec.number("volts") == pytest.approx(3.0)
    assert parse_spec("joulescope").sync == "timestamp" and parse_spec("joulescope,channel=0").sync == "fall"


@pytest.mark.parametrize("text, message, hint", [
    ("scope:/dev/x", "unknown power monitor 'scope'", "lpm01a, joulescope, ppk2, replay"),
    ("lpm01a", "needs a target", "lpm01a:/dev/ttyACM0"),
    ("lpm01a:/dev/x,freq=3k", "cannot sample at 3k Hz", "100k, 50k"),
    ("lpm01a:/dev/x,volts=5", "1.8 to 3.3 V", "volts=1.8..3.3"),
    ("ppk2:/dev/x,colour=red", "unknown key 'colour'", "volts, mode, sync"),
    ("replay:t.csv,sync=middle", "sync=middle", "sync=fall or sync=rise"),
    ("replay:t.csv,volts", "'volts' is not key=value", "keys for replay"),
])
def test_bad_specs_name_the_problem_and_the_fix(text, message, hint):
    with pytest.raises(PowerError, match=message) as info:
        parse_spec(text)
    assert hint in info.value.hint


def test_the_command_line_rejects_a_bad_power_spec_before_any_work():
    out = CliRunner().invoke(main, ["bench", "--port", "loop://", "--power", "scope:/dev/x"])
    assert out.exit_code == 2 and "unknown power monitor 'scope'" in out.output


def test_a_missing_monitor_on_the_command_line_is_one_error_line_and_a_measured_bench_says_so(tmp_path):
    from tinyvid.harness.fake import FakeDut, FakeDutServer
    from tinyvid.power.emulator import EmulatedLPM01A

    with FakeDutServer(FakeDut(timer="dwt", us_per_inference=20_000)) as server:
        out = CliRunner().invoke(main, ["bench", "--port", server.url, "--board", "nucleo-f446re", "--windows", "2",
                                        "--iterations", "5", "--power", "lpm01a:/dev/ttyNOPE"])
        assert out.exit_code == 2, out.output
        assert "error: cannot open the LPM01A on /dev/ttyNOPE" in out.output and "hint:" in out.output
        with EmulatedLPM01A(load_board("nucleo-f446re")) as emulated:
            out = CliRunner().invoke(main, ["bench", "--port", server.url, "--board", "nucleo-f446re", "--windows",
                                            "2", "--iterations", "5", "--power", f"lpm01a:{emulated.port},freq=5k"])
    assert out.exit_code == 0, out.output
    assert "uJ per inference (measured)" in out.output and "the board file's estimate" in out.output


def test_power_none_keeps_the_estimate_even_when_the_board_file_names_a_monitor(tmp_path):
    from dataclasses import replace

    from tinyvid.power.monitor import monitor_spec_for

    board = load_board("nucleo-f446re")
    board = replace(board, power=replace(board.power, monitor="lpm01a:/dev/ttyACM0"))
    assert monitor_spec_for(None, board).target == "/dev/ttyACM0"
    assert monitor_spec_for("none", board) is None
    assert monitor_spec_for("replay:t.csv", board).kind == "replay"


def test_a_board_file_names_its_monitor_and_a_bad_one_is_a_board_error(tmp_path):
    text = (boards_dir() / "nucleo-f446re.toml").read_text()
    good = tmp_path / "good" / "nucleo-f446re.toml"
    good.parent.mkdir()
    good.write_text(text.replace("[power]\n", '[power]\nmonitor = "lpm01a:/dev/ttyACM0,freq=1k"\nsleep_ma = 0.8\n'))
    power = load_board(good).power
    assert power.monitor == "lpm01a:/dev/ttyACM0,freq=1k" and power.sleep_ma == 0.8
    bad = tmp_path / "bad" / "nucleo-f446re.toml"
    bad.parent.mkdir()
    bad.write_text(text.replace("[power]\n", '[power]\nmonitor = "lpm01a:/dev/ttyACM0,freq=3k"\n'))
    with pytest.raises(BoardError, match="key 'power.monitor' .*cannot sample at 3k Hz"):
        load_board(bad)


def test_one_monitor_does_not_measure_parallel_cases(tmp_path):
    """--power names one monitor: regress --jobs 2 with it is refused before any case runs."""
    suite = tmp_path / "suite.toml"
    suite.write_text('version = 1\n[[case]]\nname = "a"\nmodel = "m.tflite"\nboards = ["host", "qemu-mps2-an386"]\n')
    (tmp_path / "m.tflite").write_bytes(b"")
    out = CliRunner().invoke(main, ["regress", str(suite), "--jobs", "2", "--power", "replay:trace.csv"])
    assert out.exit_code == 2, out.output
    assert "measures one board at a time" in out.output and "--jobs 1" in out.output
