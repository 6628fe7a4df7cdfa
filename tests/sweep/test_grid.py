"""The sweep's grid: axis lists from the command line or a TOML file, checked."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tinyvid.cli import main
from tinyvid.errors import UsageError
from tinyvid.sweep import Grid, Point, load_grid, make_grid, parse_values


def test_comma_lists_become_typed_axis_values_in_order_without_duplicates():
    grid = make_grid(resolution="64,96", width="0.25,0.5", prune="0,0.5", sparsity="0,0.5,0.5", gate="on,off")
    assert grid.resolution == (64, 96)
    assert grid.width == (0.25, 0.5)
    assert grid.prune == (0.0, 0.5)
    assert grid.sparsity == (0.0, 0.5)
    assert grid.gate == (True, False)
    assert len(grid) == 32 == len(grid.points())


def test_points_are_the_cartesian_product_with_the_gate_varying_fastest():
    grid = make_grid(resolution="32,48", gate="on,off")
    assert grid.points() == [Point(32, 1.0, 0.0, 0.0, True), Point(32, 1.0, 0.0, 0.0, False),
                             Point(48, 1.0, 0.0, 0.0, True), Point(48, 1.0, 0.0, 0.0, False)]
    assert grid.describe() == "resolution 32,48 x width 1 x prune 0 x sparsity 0 x gate on,off = 4 points"


def test_an_axis_left_out_keeps_its_default():
    assert make_grid(width="0.5") == Grid(width=(0.5,))
    assert Grid().points() == [Point(48, 1.0, 0.0, 0.0, True)]


@pytest.mark.parametrize("axis, value, words", [
    ("resolution", "32,abc", "is not a number"),
    ("resolution", "31.5", "whole number"),
    ("resolution", "4", "8..512"),
    ("width", "0", "(0, 4]"),
    ("prune", "1", "[0, 1)"),
    ("sparsity", "-0.1", "[0, 1)"),
    ("gate", "maybe", "not on or off"),
    ("gate", "on,,off", "empty entry"),
])
def test_a_bad_value_names_the_axis_and_the_rule(axis, value, words):
    with pytest.raises(UsageError) as err:
        parse_values(axis, value)
    assert axis in err.value.message and words in err.value.message
    assert f"--{axis}" in err.value.hint


def test_an_unknown_axis_is_refused():
    with pytest.raises(UsageError, match="unknown sweep axis depth"):
        make_grid(depth="1,2")


def test_a_toml_grid_file_gives_axes_and_settings_and_options_override_it(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('[grid]\nresolution = [32, 48]\nprune = [0, 0.5]\ngate = ["on", "off"]\n'
                    '[settings]\nepochs = 4\nboard = "qemu-netduinoplus2"\n')
    grid = load_grid(path)
    assert (grid.resolution, grid.prune, grid.gate) == ((32, 48), (0.0, 0.5), (True, False))
    assert grid.settings == {"epochs": 4, "board": "qemu-netduinoplus2"}
    assert load_grid(path, resolution="64").resolution == (64,)


@pytest.mark.parametrize("text, words", [
    ("resolution = [32]\n", "no [grid] table"),
    ("[grid]\nresolution = [32\n", "not valid TOML"),
    ("[grid]\nresolution = [32]\n[extra]\na = 1\n", "unknown table extra"),
    ("[grid]\nwidth = [0.5, 9]\n", "must be in (0, 4]"),
])
def test_a_bad_grid_file_is_one_clear_error(tmp_path, text, words):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as err:
        load_grid(path)
    assert words in err.value.message


def test_the_command_refuses_a_bad_axis_with_exit_2_before_any_work(tmp_path):
    result = CliRunner().invoke(main, ["sweep", "--resolution", "32,x", "-o", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "error: resolution value 'x' is not a number" in result.output
    assert not (tmp_path / "s").exists()


def test_the_command_refuses_an_unknown_setting_in_the_grid_file(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text("[grid]\nresolution = [32]\n[settings]\nepoch = 3\n")
    result = CliRunner().invoke(main, ["sweep", "--grid", str(path), "-o", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "unknown setting epoch" in result.output


def test_the_help_documents_the_exit_codes():
    result = CliRunner().invoke(main, ["sweep", "--help"])
    assert result.exit_code == 0
    assert "Exit codes: 0 ok, 1 no point fits the board within the budget, 2 an error" in " ".join(result.output.split())
