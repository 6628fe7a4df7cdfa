"""Build generated C on the host (gcc or cc), for ``verify``, tests and benchmarks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tinyvid.errors import ProjectError

WARNINGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wconversion", "-Wsign-conversion",
            "-Wstrict-prototypes", "-Wmissing-prototypes"]
SANITIZERS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def host_compiler() -> str:
    for cc in ("gcc", "cc", "clang"):
        path = shutil.which(cc)
        if path:
            return path
    raise ProjectError("no host C compiler found (gcc, cc or clang)", "install gcc: sudo apt-get install gcc")


def build(src_dir: Path, sources: list[Path], output: Path, *, sanitize: bool = True, opt: str = "-O1",
          extra: list[str] | None = None, timeout: float = 600.0) -> Path:
    """Compile every ``.c`` of ``src_dir`` plus ``sources`` into the program ``output``."""
    cmd = [host_compiler(), *WARNINGS, opt, "-g", *(SANITIZERS if sanitize else []), *(extra or []),
           "-I", str(src_dir), *sorted(str(p) for p in src_dir.glob("*.c")), *[str(s) for s in sources],
           "-o", str(output), "-lm"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ProjectError(f"the host compiler took longer than {timeout:.0f} s", "check the machine load") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise ProjectError(f"the generated C does not compile on the host:\n{tail}", "this is a tinyvid bug: please report it with the model")
    return output
