"""Regression suite files (TOML): which models run on which boards with which data,
the budgets each must meet and how far each may drift from a stored baseline.

A suite file::

    version = 1                       # suite format version (required)
    name = "nightly"                  # optional; default: the file name
    baseline = "baseline.json"        # optional; relative to the suite file
    work_dir = "build/regress"        # optional; where projects are generated

    [tolerances]                      # optional; drift allowed from the baseline
    latency_us = 0.05                 # relative for "lower is better" metrics (5 %)
    accuracy = 0.01                   # absolute for fractions

    [defaults]                        # optional; any case key, for every case
    windows = 3
    samples = 20

    [[case]]                          # one or more
    name = "vww"
    models = ["models/vww_96_int8.tflite"]     # or model = "..." (relative paths: to this file)
    boards = ["qemu-mps2-an386", "host"]        # or board = "..."; a name or a .toml board file
    data = "synthetic"                # or a list; synthetic, lfw or a folder (relative: to this file)
    samples = 10                      # inputs validated per case (0: bench only)
    windows = 3                       # bench windows
    iterations = 2                    # inferences per window (default: sized to ~1 s)
    warmup = 1
    conversion = "uint8"              # the board's input conversion (int8, uint8, float32)
    [case.budget]                     # hard limits; any metric below
    latency_us = 900000               # maximum
    bit_exact = 1.0                   # minimum (fraction of inputs)
    [case.tolerances]                 # this case's own drift allowances
    latency_us = 0.5

    [[case]]                          # a board on a labgrid farm (LG_COORDINATOR)
    name = "farm-vww"
    model = "models/vww_96_int8.tflite"
    place = "lab-an386"               # a place name, or tags: "board=qemu-mps2-an386,site=lab"
    board = "qemu-mps2-an386"         # optional for a place: its board file (default: what tv-info names)
    place_wait = 600                  # seconds to wait while another user holds it (default 600)
    flash = true                      # build the case and load it onto the place first (default false)

Each case expands to every model x board x data combination. A case with a
``place`` runs on that labgrid place (acquired, reached over the network and
released, see :mod:`tinyvid.farm`) with the firmware the place already runs, or with
``flash = true`` its own build, loaded through the place's labgrid flashing driver. Metrics: lower is
better for ``latency_us``, ``instructions``, ``cycles``, ``energy_uj``,
``arena_bytes``, ``flash_bytes``, ``ram_bytes``, ``max_lsb``; higher is better for
``accuracy``, ``bit_exact``, ``top1_agreement``, ``macs_per_unit``. A budget on a
lower-is-better metric is a maximum, on a higher-is-better metric a minimum.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tinyvid.errors import SuiteError

SUITE_VERSION = 1
LOWER_IS_BETTER = ("latency_us", "instructions", "cycles", "energy_uj", "arena_bytes", "flash_bytes",
                   "ram_bytes", "max_lsb")
HIGHER_IS_BETTER = ("accuracy", "bit_exact", "top1_agreement", "macs_per_unit")
METRICS = LOWER_IS_BETTER + HIGHER_IS_BETTER
#: Fractions: their tolerance is absolute; every other tolerance is relative.
FRACTIONS = ("accuracy", "bit_exact", "top1_agreement")
ABSOLUTE = FRACTIONS + ("max_lsb",)
DEFAULT_TOLERANCES = {
    "latency_us": 0.05, "instructions": 0.01, "cycles": 0.02, "energy_uj": 0.05, "arena_bytes": 0.0,
    "flash_bytes": 0.01, "ram_bytes": 0.01, "max_lsb": 0.0, "accuracy": 0.01, "bit_exact": 0.0,
    "top1_agreement": 0.01, "macs_per_unit": 0.05,
}

_TOP_KEYS = {"version", "name", "baseline", "work_dir", "tolerances", "defaults", "case"}
_CASE_KEYS = {"name", "model", "models", "board", "boards", "data", "samples", "windows", "iterations",
              "warmup", "conversion", "budget", "tolerances", "place", "place_wait", "flash"}
_INT_KEYS = {"samples": 0, "windows": 1, "iterations": 1, "warmup": 0, "place_wait": 0}


@dataclass(frozen=True)
class Case:
    """One model on one board with one data set."""

    id: str
    name: str
    model: Path
    board: str
    data: str
    samples: int = 10
    windows: int = 3
    iterations: int | None = None
    warmup: int = 1
    conversion: str | None = None
    budget: dict[str, float] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)  # over the suite's
    #: A labgrid place name or tags (``key=value,...``) to run on instead of a local board.
    place: str | None = None
    place_wait: float | None = None  # seconds to wait for a held place
    #: With a place: build the case for its board and load it through the place's flashing driver first.
    flash: bool = False


@dataclass(frozen=True)
class Suite:
    path: Path
    name: str
    cases: tuple[Case, ...]
    baseline: Path | None
    work_dir: Path
    tolerances: dict[str, float]


def _fail(path: Path, where: str, what: str) -> SuiteError:
    return SuiteError(f"{path}: {where}: {what}",
                      hint="see the suite format in `tinyvid regress --help` or examples/suite.toml")


def _number(path, where, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, where, f"must be a number, not {type(value).__name__} {value!r}")
    if value < 0:
        raise _fail(path, where, f"must not be negative ({value})")
    return float(value)


def _metric_table(path: Path, where: str, table, kind: str) -> dict[str, float]:
    if not isinstance(table, dict):
        raise _fail(path, where, f"must be a table of metric = number, not {type(table).__name__}")
    out = {}
    for key, value in table.items():
        if key not in METRICS:
            raise _fail(path, f"{where}.{key}", f"unknown {kind} metric; known: {', '.join(METRICS)}")
        out[key] = _number(path, f"{where}.{key}", value)
    return out


def _strings(path, where, value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise _fail(path, where, f"must be a non-empty string or list of strings, not {value!r}")
    return values


def _relative(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def load_suite(path: str | Path, *, place: str | None = None, place_wait: float | None = None) -> Suite:
    """Read and validate a suite file; every problem is a SuiteError naming file and key.
    ``place`` (``--place``) runs every case on that labgrid place, ``place_wait``
    (``--place-wait``) overrides how long each case waits for a held place."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"suite file {path} does not exist", hint="give the path of a .toml suite file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}", hint="fix the syntax at the line named") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read suite file {path}: {exc}") from None
    for key in raw:
        if key not in _TOP_KEYS:
            raise _fail(path, key, f"unknown key; known: {', '.join(sorted(_TOP_KEYS))}")
    if raw.get("version") != SUITE_VERSION:
        raise _fail(path, "version", f"must be {SUITE_VERSION} (got {raw.get('version')!r})")
    base = path.parent
    name = raw.get("name", path.stem)
    if not isinstance(name, str):
        raise _fail(path, "name", "must be a string")
    baseline = raw.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise _fail(path, "baseline", "must be a path (string)")
    work_dir = raw.get("work_dir", f".tinyvid-regress/{path.stem}")
    if not isinstance(work_dir, str):
        raise _fail(path, "work_dir", "must be a path (string)")
    tolerances = dict(DEFAULT_TOLERANCES)
    tolerances.update(_metric_table(path, "tolerances", raw.get("tolerances", {}), "tolerance"))
    defaults = raw.get("defaults", {})
    if not isinstance(defaults, dict):
        raise _fail(path, "defaults", "must be a table")
    cases_raw = raw.get("case")
    if not isinstance(cases_raw, list) or not cases_raw:
        raise _fail(path, "case", "the suite needs at least one [[case]] table")
    cases: list[Case] = []
    for index, case_raw in enumerate(cases_raw):
        if not isinstance(case_raw, dict):
            raise _fail(path, f"case[{index}]", "must be a table")
        merged = {**defaults, **case_raw}
        if place is not None:
            merged["place"] = place
        if place_wait is not None:
            merged["place_wait"] = int(place_wait)
        for table in ("budget", "tolerances"):
            if isinstance(defaults.get(table), dict) and isinstance(case_raw.get(table), dict):
                merged[table] = {**defaults[table], **case_raw[table]}
        cases.extend(_expand(path, base, index, merged))
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _fail(path, "case", f"two cases have the same name: {', '.join(duplicates)}")
    return Suite(path=path, name=name, cases=tuple(cases),
                 baseline=_relative(base, baseline) if baseline else None,
                 work_dir=_relative(base, work_dir), tolerances=tolerances)


def _expand(path: Path, base: Path, index: int, raw: dict) -> list[Case]:
    where = f"case[{index}]"
    for key in raw:
        if key not in _CASE_KEYS:
            raise _fail(path, f"{where}.{key}", f"unknown key; known: {', '.join(sorted(_CASE_KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{where}.name", "every case needs a name (string)")
    where = f"case '{name}'"
    place = raw.get("place")
    if place is not None and (not isinstance(place, str) or not place.strip()):
        raise _fail(path, f"{where}.place", f"must be a place name or tags key=value,... (a string), not {place!r}")
    for single, plural in (("model", "models"), ("board", "boards")):
        given = (single in raw) + (plural in raw)
        if given == 2 or (given == 0 and not (single == "board" and place)):  # a place may leave out its board
            raise _fail(path, f"{where}.{single}", f"give either {single} or {plural} (exactly one)")
    models = [_relative(base, m) for m in _strings(path, f"{where}.models", raw.get("models", raw.get("model")))]
    # A board is a name or a board file, relative to the suite file like the models.
    boards = [str(_relative(base, b)) if b.endswith(".toml") else b
              for b in _strings(path, f"{where}.boards", raw.get("boards", raw.get("board")))] \
        if ("board" in raw or "boards" in raw) else [""]
    data = [d if d in ("synthetic", "lfw") else str(_relative(base, d))
            for d in _strings(path, f"{where}.data", raw.get("data", "synthetic"))]
    options = {}
    for key, minimum in _INT_KEYS.items():
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise _fail(path, f"{where}.{key}", f"must be an integer >= {minimum}, not {value!r}")
            options[key] = value
    if place is not None:
        options["place"] = place.strip()
    if "flash" in raw:
        if not isinstance(raw["flash"], bool):
            raise _fail(path, f"{where}.flash", f"must be true or false, not {raw['flash']!r}")
        if raw["flash"] and place is None:
            raise _fail(path, f"{where}.flash", "flashes a labgrid place: give the case a place, or leave out flash")
        options["flash"] = raw["flash"]
    if "conversion" in raw:
        if raw["conversion"] not in ("int8", "uint8", "float32"):
            raise _fail(path, f"{where}.conversion", "must be int8, uint8 or float32")
        options["conversion"] = raw["conversion"]
    budget = _metric_table(path, f"{where}.budget", raw.get("budget", {}), "budget")
    tolerances = _metric_table(path, f"{where}.tolerances", raw.get("tolerances", {}), "tolerance")
    expand = len(models) * len(boards) * len(data) > 1
    cases = []
    for model, board, datum in itertools.product(models, boards, data):
        site = Path(board).stem if board else options.get("place", "")
        case_id = f"{name}:{model.stem}@{site}:{Path(datum).name}" if expand else name
        cases.append(Case(id=case_id, name=name, model=model, board=board, data=datum, budget=budget,
                          tolerances=tolerances, **options))
    return cases
