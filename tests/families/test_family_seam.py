"""Board families behind one seam: the shipped families are found without a
registry, a board's toolchain key is what builds it, and a family that lives in
its own package (here a module and a board file written by the test, registered
by an entry point) is generated, built, launched and measured through tinyvid's
normal calls with nothing changed outside its module and board file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import tiny_model
from helpers import TINY_MODEL, have_arm_toolchain

from tinyvid.boards import load_board
from tinyvid.build import build_project
from tinyvid.errors import BoardError
from tinyvid.families import ENTRY_POINT_GROUP, families, family_named, family_of
from tinyvid.project import generate_project
from tinyvid.resources import templates_dir

HOST_BOARD = load_board("host").path

# The whole of a third-party family: one module (and its template folder). Its
# firmware is a native program, rendered from its own template folder (the host
# template plus a header of its own) and built with its own compiler (the board's
# toolchain key names a wrapper script); it counts only .text and .rodata as flash
# and .bss as RAM, requires a table [stubsim] in its board files, and launches
# boards with its own launcher, which runs the firmware through a wrapper that
# writes the family's greeting to a file first.
STUB_FAMILY = '''
import os
import sys
from pathlib import Path

from tinyvid.build.launch import start_native
from tinyvid.families import Family, Launcher, Toolchain, key_error

LAUNCHED = []


class StubLauncher(Launcher):
    method = "stub-run"

    def validate(self, path, data):
        if not data["launch"].get("args"):
            raise key_error(path, "launch.args", "is required for method 'stub-run'", "name the wrapper script")

    def start(self, board, image, port, stack):
        LAUNCHED.append(image)
        wrapper = board.launch.args[0]
        env = {**os.environ, "STUB_GREETING": board.options["greeting"]}
        return start_native(["sh", wrapper, str(image.resolve())], port, env=env)


class StubFamily(Family):
    name = "stubsim"
    templates = ("stubhost",)
    cores = ("host",)
    native = True
    serial_drivers = ("stdio",)
    flash_sections = (".text", ".rodata")
    ram_sections = (".bss",)
    options = {"greeting": (str, True), "cores": (int, False)}

    def methods(self):
        return (StubLauncher(),)

    def toolchain(self, board_toolchain):
        if not board_toolchain.endswith("stub-cc"):
            return None
        return Toolchain(compiler=board_toolchain, size="size", make_variables=(f"CC={board_toolchain}",),
                         install_hint="write the stub-cc wrapper")

    def toolchain_hint(self):
        return "name the stub-cc wrapper"

    def template_root(self):
        return Path(__file__).resolve().parent / "tv_stubfam_templates"

    def validate(self, path, data):
        if data["stubsim"].get("cores", 1) < 1:
            raise key_error(path, "stubsim.cores", "must be >= 1", "give the number of cores")

    def template_vars(self, board):
        return {"name": self.name, "greeting": board.options["greeting"]}


FAMILY = StubFamily()
'''


def _stub_board_text(tmp_path: Path, **replace: str) -> str:
    """The host board file turned into a stubsim board (as a user would write it)."""
    text = HOST_BOARD.read_text()
    text = text.replace('name = "host"', 'name = "stub-board"').replace('family = "host"', 'family = "stubsim"')
    text = text.replace('template = "host"', 'template = "stubhost"')
    text = text.replace('toolchain = "cc"', f'toolchain = "{tmp_path / "bin" / "stub-cc"}"')
    text = text.replace('runs_here = true', 'runs_here = true\n\n[stubsim]\ngreeting = "hello from stubsim"')
    text = text.replace('method = "host"', f'method = "stub-run"\nargs = ["{tmp_path / "bin" / "run-stub.sh"}"]')
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture
def stub_family(tmp_path, monkeypatch):
    """Installs the stub family as a third party would: its module on the path and
    an entry point of the group tinyvid.families in its distribution's metadata."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "tv_stubfam.py").write_text(STUB_FAMILY)
    templates = site / "tv_stubfam_templates" / "stubhost"
    shutil.copytree(templates_dir() / "host", templates)
    (templates / "stub_greeting.h").write_text("#define STUB_GREETING {{ family.greeting | c_string }}\n")
    dist = site / "tv_stubfam-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tv-stubfam\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nstubsim = tv_stubfam\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "stub-cc").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "cc.log"}\nexec cc "$@"\n')
    (bin_dir / "stub-cc").chmod(0o755)
    (bin_dir / "run-stub.sh").write_text(f'echo "$STUB_GREETING" > {tmp_path / "greeting.txt"}\nexec "$1"\n')
    monkeypatch.syspath_prepend(str(site))
    yield tmp_path
    sys.modules.pop("tv_stubfam", None)
    monkeypatch.undo()
    families(refresh=True)  # forget it again for the tests that follow


def test_the_shipped_families_are_found_without_a_registry():
    found = families()
    assert {"host", "mps2", "mps3", "stm32f4", "stm32l4"} <= set(found)
    for board in ("host", "qemu-mps2-an386", "qemu-mps3-an547", "qemu-netduinoplus2", "nucleo-l4r5zi"):
        assert family_of(load_board(board)).name == load_board(board).family


def test_a_cortex_m_boards_toolchain_key_names_its_compiler_size_tool_and_make_prefix():
    tools = family_named("stm32l4").toolchain("arm-none-eabi-gcc")
    assert (tools.compiler, tools.size, tools.make_variables) == ("arm-none-eabi-gcc", "arm-none-eabi-size",
                                                                   ("CROSS=arm-none-eabi-",))
    other = family_named("mps2").toolchain("/opt/arm/bin/arm-none-eabi-gcc")
    assert other.size == "/opt/arm/bin/arm-none-eabi-size" and other.make_variables == ("CROSS=/opt/arm/bin/arm-none-eabi-",)


def test_a_toolchain_the_family_cannot_build_with_is_refused_on_load(tmp_path):
    text = load_board("qemu-mps2-an386").path.read_text().replace('name = "qemu-mps2-an386"', 'name = "my-board"')
    path = tmp_path / "my-board.toml"
    path.write_text(text.replace('toolchain = "arm-none-eabi-gcc"', 'toolchain = "cc"'))
    with pytest.raises(BoardError) as err:
        load_board(path)
    assert "key 'toolchain' is 'cc', which family mps2 does not build with" in err.value.message
    assert "arm-none-eabi-gcc" in err.value.hint


def test_the_host_board_builds_with_the_compiler_its_board_file_names(tmp_path):
    wrapper = tmp_path / "my-cc"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "cc.log"}\nexec cc "$@"\n')
    wrapper.chmod(0o755)
    path = tmp_path / "my-host.toml"
    path.write_text(HOST_BOARD.read_text().replace('name = "host"', 'name = "my-host"')
                    .replace('toolchain = "cc"', f'toolchain = "{wrapper}"'))
    project = generate_project(TINY_MODEL, path, tmp_path / "p")
    result = build_project(project.path)
    compiled = (tmp_path / "cc.log").read_text()
    assert "main.c" in compiled and "model/model.c" in compiled and result.firmware.is_file()


@pytest.mark.emulated  # builds the host firmware and runs it through the stub family's launcher
def test_a_family_in_its_own_module_is_generated_built_launched_and_measured(stub_family):
    from tinyvid.harness import open_board

    tmp_path = stub_family
    path = tmp_path / "stub-board.toml"
    path.write_text(_stub_board_text(tmp_path))
    board = load_board(path)
    assert board.family == "stubsim" and board.options == {"greeting": "hello from stubsim"}
    assert family_of(board).name == "stubsim"

    project = generate_project(TINY_MODEL, path, tmp_path / "p", model_id="vww01")
    assert (project.path / "platform_host.c").is_file() and not (project.path / "uart.c").exists()
    assert '#define STUB_GREETING "hello from stubsim"' in (project.path / "stub_greeting.h").read_text()

    result = build_project(project.path)
    assert "main.c" in (tmp_path / "cc.log").read_text()  # built by the board's toolchain
    sections = result.sections
    assert result.flash_used == sections[".text"] + sections[".rodata"]  # the family's section rules
    assert result.ram_used == sections[".bss"]

    stub = sys.modules["tv_stubfam"]
    with open_board(project=project.path) as session:
        assert stub.LAUNCHED == [result.firmware]  # started by the family's own launcher
        assert session.running.url.startswith("socket://127.0.0.1:")
        info = session.client.tv_info()
        assert info.board == "stub-board" and info.model == "vww01"
        pixels = np.random.default_rng(3).integers(0, 256, 16, dtype=np.uint8)
        session.client.tv_load(pixels.tobytes())
        _, output = session.client.tv_infer()
    assert not session.running.alive
    expected = tiny_model.invoke((pixels.astype(np.int16) - 128).astype(np.int8))
    assert np.frombuffer(output, np.int8).tolist() == expected.tolist()  # the fixture model's reference
    assert (tmp_path / "greeting.txt").read_text().strip() == "hello from stubsim"


@pytest.mark.parametrize(("replace", "message"), [
    ({'greeting = "hello from stubsim"': 'colour = "red"'}, "unknown key 'stubsim.colour'"),
    ({'greeting = "hello from stubsim"': 'greeting = "hi"\ncores = 0'}, "key 'stubsim.cores' must be >= 1"),
    ({'method = "stub-run"': 'method = "host"'}, "key 'launch.method' is 'host'"),
    ({'driver = "stdio"': 'driver = "cmsdk-uart"'}, "'cmsdk-uart' does not match family 'stubsim'"),
])
def test_a_third_party_familys_own_checks_reject_its_board_files(stub_family, replace, message):
    path = stub_family / "stub-board.toml"
    path.write_text(_stub_board_text(stub_family, **replace))
    with pytest.raises(BoardError) as err:
        load_board(path)
    assert message in err.value.message and err.value.hint


def _install(site: Path, module: str, source: str, entry: str) -> None:
    """A distribution with ``module`` and one entry point ``entry`` of tinyvid.families."""
    dist = site / f"{module}-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / f"{module}.py").write_text(source)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n")


def test_a_third_party_family_that_does_not_load_is_named_when_its_boards_are(tmp_path, monkeypatch):
    _install(tmp_path, "tv_broken", "raise ImportError('needs esptool')\n", "esp32 = tv_broken")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with pytest.raises(BoardError) as err:
            family_named("esp32")
        assert "unknown board family 'esp32'" in err.value.message
        assert "esp32 = tv_broken (ImportError: needs esptool)" in err.value.hint
        assert "mps2" in families()  # the others still load
    finally:
        monkeypatch.undo()
        families(refresh=True)


def test_a_package_redefining_a_shipped_family_does_not_replace_it(tmp_path, monkeypatch):
    source = "from tinyvid.families import Family\n\nclass Impostor(Family):\n    name = 'mps2'\n\nFAMILY = Impostor()\n"
    _install(tmp_path, "tv_impostor", source, "mps2 = tv_impostor")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert type(families(refresh=True)["mps2"]).__module__ == "tinyvid.families.mps2"
        assert load_board("qemu-mps2-an386").emulated
    finally:
        sys.modules.pop("tv_impostor", None)
        monkeypatch.undo()
        families(refresh=True)


def test_the_templates_choose_chip_code_by_the_familys_variables_not_its_name():
    for path in sorted(templates_dir().rglob("*")):
        if path.is_file():
            assert "board.family" not in path.read_text(), f"{path} branches on the family's name"


@pytest.mark.skipif(shutil.which("make") is None or not have_arm_toolchain(), reason="needs arm-none-eabi-gcc")
def test_a_cortex_m_project_builds_with_the_toolchain_prefix_its_board_names(tmp_path):
    real = shutil.which("arm-none-eabi-gcc")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gcc", "objcopy", "size"):  # a second toolchain: the same tools under another prefix
        (bin_dir / f"my-arm-{tool}").symlink_to(Path(real).with_name(f"arm-none-eabi-{tool}"))
    text = load_board("qemu-mps2-an386").path.read_text().replace('name = "qemu-mps2-an386"', 'name = "my-board"')
    path = tmp_path / "my-board.toml"
    path.write_text(text.replace('toolchain = "arm-none-eabi-gcc"', f'toolchain = "{bin_dir}/my-arm-gcc"'))
    project = generate_project(TINY_MODEL, path, tmp_path / "p")
    result = build_project(project.path)
    assert f"{bin_dir}/my-arm-gcc" in result.log and f"{bin_dir}/my-arm-size -A" in result.log
    assert result.sections[".isr_vector"] > 0 and result.flash_used > result.sections[".text"]
