"""Output paths checked before any work starts.

Every command that writes (``train``, ``import``, ``compress``, ``emit``, ``project``,
``demo``, data export, ``--log-session``, ``regress`` reports...) checks its output
with :func:`check_output_dir` or :func:`check_output_file` first, so a bad path is
one :class:`~tinyvid.errors.OutputPathError` in the first second, not a traceback
after an hour of training.

The check is a real probe (as root, ``os.access`` says yes to ``/proc``): missing
folders are created, a probe file is written and removed, and the folders the probe
created are removed again, so a command that fails later leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tinyvid.errors import OutputPathError

DEFAULT_HINT = "choose another folder with -o/--output"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_output_dir(path, *, hint: str = DEFAULT_HINT) -> Path:
    """Check that ``path`` is, or can become, a folder this process can write into.

    Raises :class:`OutputPathError` naming the path and the reason; returns ``Path(path)``.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputPathError(out, "it exists and is not a folder", hint)
    missing = []
    ancestor = out
    while not ancestor.exists() and ancestor != ancestor.parent:
        missing.append(ancestor)
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputPathError(out, f"{ancestor} is not a folder", hint)
    created: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        fd, probe = tempfile.mkstemp(prefix=".tinyvid-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputPathError(out, _reason(exc), hint) from None
    finally:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                pass
    return out


def check_output_file(path, *, hint: str = "choose another file") -> Path:
    """Check that the file ``path`` can be written (its folder is created if needed).

    An existing file is opened for appending, which changes nothing in it.
    """
    out = Path(path)
    if out.is_dir():
        raise OutputPathError(out, "it is a folder, not a file", hint)
    try:
        check_output_dir(out.parent if str(out.parent) else Path("."), hint=hint)
    except OutputPathError as exc:
        raise OutputPathError(out, exc.reason, hint) from None
    if out.exists():
        try:
            with open(out, "ab"):
                pass
        except OSError as exc:
            raise OutputPathError(out, _reason(exc), hint) from None
    return out
