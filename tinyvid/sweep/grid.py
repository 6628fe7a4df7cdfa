"""The sweep's grid: five axes, their parsing (command-line lists or a TOML file) and
the points they span.

Axes: input ``resolution`` (square, pixels), ``width`` (multiplier of the
architecture's width: tiny_cnn and resnet8 filters x width, mobilenet_v1 alpha =
width), structured-pruning ratio ``prune`` (fraction of channels removed),
unstructured ``sparsity`` (fraction of weights zeroed) and the motion ``gate``
(on / off, on the board while streaming).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinyvid.errors import UsageError

AXES = ("resolution", "width", "prune", "sparsity", "gate")
DEFAULTS = {"resolution": (48,), "width": (1.0,), "prune": (0.0,), "sparsity": (0.0,), "gate": (True,)}
_ON = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False}


@dataclass(frozen=True)
class Point:
    """One point of the grid."""

    resolution: int
    width: float
    prune: float
    sparsity: float
    gate: bool

    def to_dict(self) -> dict:
        return asdict(self)

    def label(self) -> str:
        return (f"r{self.resolution} w{self.width:g} p{self.prune:g} s{self.sparsity:g} "
                f"gate {'on' if self.gate else 'off'}")


@dataclass(frozen=True)
class Grid:
    """Values of each axis; ``points()`` is their cartesian product."""

    resolution: tuple[int, ...] = DEFAULTS["resolution"]
    width: tuple[float, ...] = DEFAULTS["width"]
    prune: tuple[float, ...] = DEFAULTS["prune"]
    sparsity: tuple[float, ...] = DEFAULTS["sparsity"]
    gate: tuple[bool, ...] = DEFAULTS["gate"]
    #: settings a TOML grid file may give besides the axes (``[settings]``)
    settings: dict = field(default_factory=dict, compare=False)

    def points(self) -> list[Point]:
        return [Point(*values) for values in itertools.product(self.resolution, self.width, self.prune,
                                                               self.sparsity, self.gate)]

    def __len__(self) -> int:
        n = 1
        for axis in AXES:
            n *= len(getattr(self, axis))
        return n

    def describe(self) -> str:
        def show(axis):
            values = getattr(self, axis)
            return ",".join(("on" if v else "off") if axis == "gate" else f"{v:g}" for v in values)

        return " x ".join(f"{axis} {show(axis)}" for axis in AXES) + f" = {len(self)} points"


def _bad(axis: str, value, why: str):
    examples = {"resolution": "--resolution 32,48", "width": "--width 0.5,1", "prune": "--prune 0,0.5",
                "sparsity": "--sparsity 0,0.5", "gate": "--gate on,off"}
    return UsageError(f"{axis} value {value!r} {why}", f"give a comma-separated list, e.g. {examples[axis]}")


def parse_values(axis: str, values) -> tuple:
    """The checked values of one axis, from ``"32,48"`` or a list (TOML); duplicates
    are dropped, the order kept."""
    if axis not in AXES:
        raise UsageError(f"unknown sweep axis '{axis}'", f"the axes are: {', '.join(AXES)}")
    if isinstance(values, str):
        items = [v.strip() for v in values.split(",")]
    elif isinstance(values, (list, tuple)):
        items = list(values)
    else:
        items = [values]
    if not items or any(v == "" for v in items):
        raise _bad(axis, values, "has an empty entry")
    out: list = []
    for item in items:
        value = _one(axis, item)
        if value not in out:
            out.append(value)
    return tuple(out)


def _one(axis: str, item):
    if axis == "gate":
        if isinstance(item, bool):
            return item
        key = str(item).strip().lower()
        if key not in _ON:
            raise _bad(axis, item, "is not on or off")
        return _ON[key]
    try:
        number = float(item)
    except (TypeError, ValueError):
        raise _bad(axis, item, "is not a number") from None
    if axis == "resolution":
        if number != int(number) or not 8 <= number <= 512:
            raise _bad(axis, item, "must be a whole number of pixels in 8..512")
        return int(number)
    if axis == "width":
        if not 0 < number <= 4:
            raise _bad(axis, item, "must be in (0, 4]")
        return number
    if not 0 <= number < 1:  # prune, sparsity
        raise _bad(axis, item, "must be a fraction in [0, 1)")
    return number


def make_grid(**axes) -> Grid:
    """A Grid from axis values (strings such as ``"32,48"`` or lists); an axis given as
    None keeps its default."""
    unknown = sorted(set(axes) - set(AXES))
    if unknown:
        raise UsageError(f"unknown sweep axis {', '.join(unknown)}", f"the axes are: {', '.join(AXES)}")
    return Grid(**{axis: parse_values(axis, value) for axis, value in axes.items() if value is not None})


def load_grid(path: str | Path, **overrides) -> Grid:
    """A Grid from a TOML file: ``[grid]`` with one list per axis (missing axes keep
    their defaults) and an optional ``[settings]`` table; ``overrides`` (axes given
    on the command line) replace the file's."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no grid file {path}", "give a TOML file with a [grid] table") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}", "fix the file (see the README's sweep section)") from None
    grid = raw.get("grid")
    if not isinstance(grid, dict):
        raise UsageError(f"{path} has no [grid] table", 'add e.g. [grid] resolution = [32, 48], gate = ["on", "off"]')
    extra = sorted(set(raw) - {"grid", "settings"})
    if extra:
        raise UsageError(f"{path}: unknown table {', '.join(extra)}", "a grid file has [grid] and [settings] only")
    values = {**grid, **{k: v for k, v in overrides.items() if v is not None}}
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise UsageError(f"{path}: settings must be a table", "write [settings] with key = value lines")
    made = make_grid(**values)
    return Grid(**{axis: getattr(made, axis) for axis in AXES}, settings=dict(settings))
