"""Building generated projects: sizes against the board, warnings, and models that
do not fit."""

from __future__ import annotations

import pytest
from helpers import TINY_MODEL, copy_model, have_arm_toolchain, make

from tinyvid.build import build_project
from tinyvid.errors import DoesNotFitError, ProjectError
from tinyvid.project import generate_project

needs_arm = pytest.mark.skipif(not have_arm_toolchain(), reason="arm-none-eabi-gcc is not installed")


@needs_arm
@pytest.mark.parametrize("board", ["nucleo-l4r5zi", "nucleo-f446re", "qemu-mps2-an505", "qemu-mps2-an500"])
def test_cortex_m_boards_compile_without_warnings_and_report_sizes(tmp_path, board):
    project = generate_project(TINY_MODEL, board, tmp_path / "p")
    result = build_project(project.path)
    assert result.warnings == ()
    assert result.firmware.is_file() and (project.path / "build" / "firmware.hex").is_file()
    assert 0 < result.flash_used < result.flash_bytes
    stack = project.board.memory.stack_bytes
    assert stack < result.ram_used < result.ram_bytes
    assert result.sections[".stack"] == stack and result.sections[".isr_vector"] > 0
    assert result.flash_used >= result.sections[".text"] + result.sections[".data"]


@needs_arm
def test_a_generated_project_builds_with_its_own_make(tmp_path):
    project = generate_project(TINY_MODEL, "qemu-mps2-an386", tmp_path / "p")
    done = make(project.path)
    assert done.returncode == 0, done.stderr
    assert ".isr_vector" in done.stdout  # make prints the section sizes
    assert "make" in (project.path / "README.md").read_text()


@needs_arm
def test_weights_larger_than_the_flash_of_netduinoplus2_are_refused_with_the_overflow(tmp_path):
    model = copy_model(TINY_MODEL, tmp_path / "big", FIXTURE_WEIGHT_BYTES=1_100_000)
    project = generate_project(model, "qemu-netduinoplus2", tmp_path / "p")
    with pytest.raises(DoesNotFitError) as err:
        build_project(project.path)
    message = err.value.message
    assert "does not fit qemu-netduinoplus2" in message and "FLASH by " in message
    overflow = int(message.split("FLASH by ")[1].split(" bytes")[0])
    # 1,100,000 bytes of weights + ~14 KB of firmware - 1 MB of flash.
    assert 1_100_000 - 1_048_576 < overflow < 1_100_000 - 1_048_576 + 40_000
    assert err.value.hint


@needs_arm
def test_an_arena_larger_than_the_ram_of_netduinoplus2_is_refused_with_the_overflow(tmp_path):
    model = copy_model(TINY_MODEL, tmp_path / "big", FIXTURE_ARENA_BYTES=200_000)
    project = generate_project(model, "qemu-netduinoplus2", tmp_path / "p")
    with pytest.raises(DoesNotFitError) as err:
        build_project(project.path)
    overflow = int(err.value.message.split("RAM by ")[1].split(" bytes")[0])
    # 200,000 bytes of arena + the 8 KB stack + the firmware's own buffers (input, second frame
    # buffer, motion-gate background, CRC table, command line: under 8 KB for this model) - 192 KB of RAM.
    assert 200_000 + 8192 - 196_608 < overflow < 200_000 + 8192 - 196_608 + 8192


@needs_arm
def test_the_same_model_fits_the_larger_emulated_board(tmp_path):
    model = copy_model(TINY_MODEL, tmp_path / "big", FIXTURE_WEIGHT_BYTES=1_100_000, FIXTURE_ARENA_BYTES=200_000)
    project = generate_project(model, "qemu-mps2-an386", tmp_path / "p")
    result = build_project(project.path)
    assert result.flash_used > 1_100_000 and result.ram_used > 200_000


def test_host_build_reports_its_sizes(tmp_path):
    project = generate_project(TINY_MODEL, "host", tmp_path / "p")
    result = build_project(project.path)
    assert result.firmware.name == "firmware" and result.flash_used > 0 and result.warnings == ()


def test_a_compile_error_is_reported_with_the_compilers_words(tmp_path):
    model = copy_model(TINY_MODEL, tmp_path / "broken")
    (model / "model.c").write_text((model / "model.c").read_text() + "\nthis is not C;\n")
    project = generate_project(model, "host", tmp_path / "p")
    with pytest.raises(ProjectError) as err:
        build_project(project.path)
    assert "the build failed" in err.value.message and "model.c" in err.value.message


def test_a_folder_that_is_not_a_project_is_refused(tmp_path):
    with pytest.raises(ProjectError) as err:
        build_project(tmp_path)
    assert "not a tinyvid project" in err.value.message


@needs_arm
def test_check_fit_gives_the_linkers_answer_for_each_board(tmp_path):
    from tinyvid.build import check_fit

    model = copy_model(TINY_MODEL, tmp_path / "big", FIXTURE_WEIGHT_BYTES=1_100_000)
    small = check_fit(model, "qemu-mps2-an386")
    assert small.fits and small.flash_used > 1_100_000 and small.overflow is None
    big = check_fit(model, "qemu-netduinoplus2")
    assert not big.fits and big.flash_bytes == 1_048_576
    assert 1_100_000 - 1_048_576 < big.overflow["FLASH"] < 1_100_000 - 1_048_576 + 40_000
    assert "FLASH by" in big.message
