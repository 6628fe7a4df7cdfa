"""Every hint and help text names only commands and options that exist.

Read from the source (every ``hint=``/``help=`` argument and the hint of every
``...Error(message, hint)`` call in ``tinyvid/``) and from the live click CLI (each
command's help and each option's help): a ``tinyvid CMD ...`` snippet must name a
real command and only options that command has; any other ``--option`` must be an
option of some command.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from tinyvid.cli import main

REPO = Path(__file__).resolve().parent.parent

#: Hints known to be wrong that other work is fixing; xfail (strict) while present.
KNOWN_BAD = {"tinyvid compress --int8"}

_COMMAND = re.compile(r"tinyvid ([a-z][a-z-]*)((?: (?:--?[a-z][a-z0-9-]*|[A-Z][A-Z0-9_.]*|[\w./{}-]+))*)")
_OPTION = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9-]*)")


def _source_texts() -> list[tuple[str, str]]:
    """(where, text) of every hint/help string literal in tinyvid/."""
    texts = []
    for path in sorted((REPO / "tinyvid").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            values = [kw.value for kw in node.keywords if kw.arg in ("hint", "help")]
            if name.endswith("Error") and len(node.args) >= 2:
                values.append(node.args[1])
            for value in values:
                pieces = [sub.value for sub in ast.walk(value) if isinstance(sub, ast.Constant) and isinstance(sub.value, str)]
                texts.append((f"{path.relative_to(REPO)}:{value.lineno}", "".join(pieces)))
    return texts


def _cli_texts() -> list[tuple[str, str]]:
    texts = []
    for name, command in sorted(main.commands.items()):
        texts.append((f"tinyvid {name} --help", command.help or ""))
        texts += [(f"tinyvid {name} {p.opts[0]}", p.help or "") for p in command.params if getattr(p, "help", None)]
    return texts


def _options_of(command: click.Command) -> set[str]:
    opts = {"--help", "-h"} | {o for p in command.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
    return opts | {o for p in main.params for o in p.opts}


def _references() -> list[tuple[str, str, str]]:
    """(where, reference, problem or '') for every command snippet and option named."""
    every_option = set().union(*(_options_of(c) for c in main.commands.values()))
    refs = []
    for where, text in _source_texts() + _cli_texts():
        rest = text
        for match in _COMMAND.finditer(text):
            name, args = match.group(1), match.group(2)
            snippet = f"tinyvid {name}{args}".strip()
            command = main.commands.get(name)
            if command is None:
                if match.start() > 0 and text[match.start() - 1] in "`'":  # a quoted command
                    refs.append((where, snippet, f"no command '{name}'"))
                continue
            missing = [o for o in _OPTION.findall(args) if o not in _options_of(command)]
            refs.append((where, snippet, f"tinyvid {name} has no {', '.join(missing)}" if missing else ""))
            rest = rest.replace(match.group(0), " ")
        for opt in _OPTION.findall(rest):
            if opt.startswith("--"):
                refs.append((where, opt, "" if opt in every_option else f"no command has {opt}"))
    return refs


def _cases():
    cases = []
    for where, ref, problem in _references():
        known = any(ref.startswith(bad) for bad in KNOWN_BAD)
        marks = [pytest.mark.xfail(strict=True, reason="a known wrong hint, being fixed elsewhere")] if known else []
        cases.append(pytest.param(where, ref, problem, marks=marks, id=f"{where} {ref}"))
    return cases


def test_the_scan_finds_the_hints_and_help_texts():
    refs = _references()
    assert len(refs) > 30
    assert any(ref == "tinyvid regress SUITE --update-baseline" for _, ref, _ in refs)
    assert any(ref == "--skip-bad" for _, ref, _ in refs)


@pytest.mark.parametrize("where, ref, problem", _cases())
def test_a_hint_or_help_text_names_only_commands_and_options_that_exist(where, ref, problem):
    assert not problem, f"{where}: '{ref}': {problem}"


def test_an_invented_option_in_a_hint_would_be_caught(monkeypatch):
    monkeypatch.setitem(globals(), "_source_texts",
                        lambda: [("x.py:1", "use `tinyvid emit --fast`, `tinyvid frobnicate` or --no-such-flag")])
    problems = {ref: problem for where, ref, problem in _references() if where == "x.py:1"}
    assert problems == {"tinyvid emit --fast": "tinyvid emit has no --fast", "tinyvid frobnicate": "no command 'frobnicate'",
                        "--no-such-flag": "no command has --no-such-flag"}
