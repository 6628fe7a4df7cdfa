"""The command line is consistent: one spelling per concept (old spellings still
work), --json everywhere, exit codes in every --help and the README, port URLs and
data folders checked up front with one clear message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tinyvid.cli import main

REPO = Path(__file__).resolve().parents[2]


def _option(command: str, opt: str) -> click.Option:
    (param,) = [p for p in main.commands[command].params if opt in getattr(p, "opts", [])]
    return param


def _parse(command: str, args: list[str]) -> dict:
    return main.commands[command].make_context(command, args).params


def test_every_output_folder_is_dash_o_or_dash_dash_output_and_the_old_out_still_works(tmp_path):
    writers = sorted(name for name, cmd in main.commands.items() if any(p.name == "out_dir" for p in cmd.params))
    assert {"train", "import", "compress", "emit", "project", "demo"} <= set(writers)
    for name in writers:
        (param,) = [p for p in main.commands[name].params if p.name == "out_dir"]
        assert param.opts[:2] == ["-o", "--output"], name
        help_text = CliRunner().invoke(main, [name, "--help"]).output
        assert "-o, --output" in help_text and "--out " not in help_text, name
    assert _parse("train", ["--out", str(tmp_path)])["out_dir"] == str(tmp_path)
    assert _parse("train", ["--output", str(tmp_path)])["out_dir"] == str(tmp_path)


def test_run_takes_its_local_port_as_tcp_port_and_still_as_port(tmp_path):
    assert _parse("run", ["--tcp-port", "4000", str(tmp_path)])["port"] == 4000
    assert _parse("run", ["--port", "4001", str(tmp_path)])["port"] == 4001
    help_text = CliRunner().invoke(main, ["run", "--help"]).output
    assert "--tcp-port" in help_text and "--port " not in help_text
    result = CliRunner().invoke(main, ["run", "--port", "socket://127.0.0.1:4000", str(tmp_path)])
    assert result.exit_code == 2 and "is not a valid integer" in result.stderr


def test_json_is_a_flag_on_every_command_that_has_it_and_project_run_flash_have_it():
    for name, command in main.commands.items():
        for param in command.params:
            if "--json" in getattr(param, "opts", []):
                assert param.is_flag and param.name == "as_json", name
    for name in ("project", "run", "flash", "regress", "bench", "validate", "train", "compress", "emit", "verify"):
        assert _option(name, "--json").is_flag


def test_regress_json_prints_to_stdout_json_file_writes_and_the_old_json_file_form_still_writes(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text('version = 1\nname = "t"\n[[case]]\nname = "gone"\nmodel = "missing.tflite"\nboard = "host"\n'
                     'samples = 0\n')
    runner = CliRunner()
    printed = runner.invoke(main, ["regress", str(suite), "--json"])
    assert printed.exit_code == 2, printed.output  # the case cannot run: an error, reported
    report = json.loads(printed.stdout)
    assert report["cases"][0]["status"] == "error"
    assert "missing.tflite" in printed.stderr  # the table went to stderr

    def cases(data):
        return [(case["id"], case["status"]) for case in data["cases"]]

    written = runner.invoke(main, ["regress", str(suite), "--json-file", str(tmp_path / "a.json")])
    assert cases(json.loads((tmp_path / "a.json").read_text())) == cases(report) == [("gone", "error")]
    assert written.stdout.strip() and not written.stdout.lstrip().startswith("{")

    legacy = runner.invoke(main, ["regress", str(suite), "--json", str(tmp_path / "b.json")])
    assert legacy.exit_code == 2
    assert cases(json.loads((tmp_path / "b.json").read_text())) == cases(report)
    assert "`--json FILE` is now `--json-file FILE`" in legacy.stderr
    assert _parse("regress", [str(suite), "--report", "r.json"])["json_path"] == Path("r.json")


def test_arch_is_a_choice_list_of_the_built_in_architectures():
    from tinyvid.train.architectures import ARCHITECTURES

    param = _option("train", "--arch")
    assert isinstance(param.type, click.Choice) and list(param.type.choices) == list(ARCHITECTURES)
    result = CliRunner().invoke(main, ["train", "--arch", "resnet9"])
    assert result.exit_code == 2 and "'resnet9' is not one of 'tiny_cnn', 'mobilenet_v1', 'resnet8'" in result.stderr


def test_every_command_states_its_exit_codes_in_its_help():
    for name in main.commands:
        text = " ".join(CliRunner().invoke(main, [name, "--help"]).output.split())
        assert "Exit codes: 0 ok, " in text and "2 an error" in text, name
    for name in ("verify", "bench", "validate", "regress"):
        text = " ".join(CliRunner().invoke(main, [name, "--help"]).output.split())
        assert "Exit codes: 0 ok, 1 " in text, name


def test_the_readme_exit_code_table_covers_every_command():
    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("## Exit codes"):]
    table = table[:table.index("\n## ", 1)]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if re.match(r"\| [0-2] \|", line)}
    assert set(rows) == {"0", "1", "2"}
    for name in main.commands:
        assert f"`{name}`" in rows["2"], name
    for name in ("verify", "bench", "validate", "regress"):
        assert f"`{name}`" in rows["1"], name


@pytest.mark.parametrize("url, message", [
    ("socket://127.0.0.1", "'socket://127.0.0.1' has no port number; use socket://HOST:PORT"),
    ("rfc2217://lab-pc", "'rfc2217://lab-pc' has no port number; use rfc2217://HOST:PORT"),
    ("socket://127.0.0.1:99999", "the port must be a number from 1 to 65535, not '99999'"),
    ("socket://127.0.0.1:x", "the port must be a number from 1 to 65535, not 'x'"),
    ("tcp://127.0.0.1:4000", "unknown URL scheme 'tcp://'"),
    ("exec:", "'exec:' needs the path of a host-board firmware binary"),
])
@pytest.mark.parametrize("command", ["bench", "validate"])
def test_a_bad_port_url_is_refused_up_front_with_what_is_wrong(command, url, message):
    result = CliRunner().invoke(main, [command, "--port", url])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "NoneType" not in result.output and "Traceback" not in result.output


def test_good_port_urls_pass_the_check_unchanged():
    from tinyvid.harness.serial_link import check_port_url

    for url in ("/dev/ttyACM0", "COM3", "socket://127.0.0.1:4000", "rfc2217://lab-pc:7000?logging=debug",
                "loop://", "exec:build/host/build/firmware", "auto"):
        assert check_port_url(url) == url


@pytest.fixture
def folder_with_bad_files(tmp_path):
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(4):
            cv2.imwrite(str(tmp_path / cls / f"{i}.png"), rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))
    (tmp_path / "cat" / "broken.png").write_bytes(b"not a png")
    (tmp_path / "dog" / "broken.jpg").write_bytes(b"")
    (tmp_path / "dog" / "clip.mp4").write_bytes(b"not a video")
    return tmp_path


def test_every_unreadable_file_of_a_data_folder_is_listed_in_one_error(folder_with_bad_files):
    result = CliRunner().invoke(main, ["data", str(folder_with_bad_files)])
    assert result.exit_code == 2
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert error.startswith(f"error: 3 of 11 files in {folder_with_bad_files} cannot be read: ")
    for name in ("cat/broken.png (cannot read image)", "dog/broken.jpg (cannot read image)", "dog/clip.mp4"):
        assert name in error
    assert "--skip-bad" in result.stderr


def test_skip_bad_leaves_the_unreadable_files_out_and_says_which(folder_with_bad_files):
    result = CliRunner().invoke(main, ["data", str(folder_with_bad_files), "--skip-bad", "--json"])
    assert result.exit_code == 0, result.output
    desc = json.loads(result.stdout)
    assert desc["frames"] == 8
    assert len(desc["details"]["skipped"]) == 3
    assert "note: left out 3 unreadable file(s)" in result.stderr


def test_no_document_claims_an_energy_mode_the_firmware_does_not_have():
    firmware = "".join(p.read_text() for p in (REPO / "firmware_templates").rglob("*") if p.is_file())
    has_energy_mode = "m-timestamp-mode-energy" in firmware
    docs = [REPO / "README.md", *(REPO / "docs").rglob("*.md"), *(REPO / "firmware_templates").rglob("*")]
    claims = [str(p.relative_to(REPO)) for p in docs
              if p.is_file() and re.search(r"9600|in energy mode", p.read_text(errors="replace"))]
    assert has_energy_mode or not claims, claims


FIXTURES = REPO / "tests" / "fixtures" / "firmware"


def test_project_json_says_what_was_written(tmp_path):
    result = CliRunner().invoke(main, ["project", str(FIXTURES / "tiny_model"), "--board", "host",
                                       "-o", str(tmp_path / "p"), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["project"] == str(tmp_path / "p") and info["board"] == "host"
    assert info["next"] == f"tinyvid build {tmp_path / 'p'}"
    assert info["arena_bytes"] > 0 and info["macs"] > 0


@pytest.mark.emulated
def test_run_json_prints_one_line_with_the_url_once_the_board_listens(tmp_path):
    import socket
    import subprocess
    import sys

    from tinyvid.build import build_project
    from tinyvid.project import generate_project

    project = generate_project(FIXTURES / "tiny_model", "host", tmp_path / "p")
    build_project(project.path)
    proc = subprocess.Popen([sys.executable, "-m", "tinyvid", "run", str(project.path), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        info = json.loads(proc.stdout.readline())
        assert info["board"] == "host" and info["url"] == f"socket://127.0.0.1:{info['tcp_port']}"
        with socket.create_connection(("127.0.0.1", info["tcp_port"]), timeout=10) as conn:
            conn.sendall(b"name%")
            conn.settimeout(10)
            received = b""
            while b"m-name-dut-[tinyvid-host]\r\nm-ready" not in received:
                chunk = conn.recv(4096)
                assert chunk, received
                received += chunk
    finally:
        proc.send_signal(2)  # Ctrl-C
        try:
            out, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
    assert out == "" and "stopped" in err
