"""``tinyvid emit``: an int8 ``.tflite`` to a self-contained C library (or TFLM sources)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinyvid.codegen.boundary import strip_float_io
from tinyvid.codegen.cnames import validate_prefix
from tinyvid.codegen.emitter import render
from tinyvid.codegen.lower import lower_graph
from tinyvid.codegen.planner import plan_memory
from tinyvid.codegen.targets import check_target
from tinyvid.errors import ModelError, ProjectError, TinyvidError
from tinyvid.model.reader import load_graph
from tinyvid.model.stats import model_stats
from tinyvid.paths import check_output_dir

RUNTIMES = ("c", "tflm")


@dataclass
class TensorInfo:
    """One input or output of the generated model C API (also what a project reads
    back from a generated header: :mod:`tinyvid.project.model_header`, which cannot
    know the tensor's name: two infos are equal when everything else is)."""

    name: str = field(compare=False)
    shape: list[int]
    dtype: str
    scale: float
    zero_point: int
    bytes: int

    @property
    def scale_text(self) -> str:
        """The scale as the header writes it, without the ``f`` suffix."""
        from tinyvid.codegen.cformat import float_literal

        return float_literal(self.scale).rstrip("fF")


@dataclass
class EmitResult:
    model: str
    out_dir: str
    prefix: str
    runtime: str
    target: str = "c"
    optimize: str = "speed"
    files: list[str] = field(default_factory=list)
    arena_bytes: int = 0
    tflm_arena_bytes: int | None = None
    weights_bytes: int = 0
    tflite_bytes: int = 0
    macs: int = 0
    operators: int = 0
    opcodes: list[str] = field(default_factory=list)
    inputs: list[TensorInfo] = field(default_factory=list)
    outputs: list[TensorInfo] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _info(t) -> TensorInfo:
    q = t.quantization
    return TensorInfo(
        name=t.name,
        shape=list(t.shape),
        dtype=t.dtype,
        scale=float(q.scale) if q else 0.0,
        zero_point=int(q.zero_point) if q else 0,
        bytes=t.nbytes,
    )


def lower_and_plan(graph, prefix: str, target: str = "c", options: dict | None = None):
    """The lowered int8 graph and its memory plan (nothing written).

    A residual ADD finished by its producer (:mod:`tinyvid.codegen.fuse`) saves a tensor
    but costs its kernel a read per output: each is kept only if the arena grows without it."""
    lowered = lower_graph(graph, prefix, target, options)
    plan = plan_memory(lowered.graph, lowered.aliases, lowered.overlaps)
    keep = {k for k, c in enumerate(lowered.calls) if c.fused_op is not None}
    for k in sorted(keep):
        trial = lower_graph(graph, prefix, target, {**(options or {}), "fuse": frozenset(keep - {k})})
        trial_plan = plan_memory(trial.graph, trial.aliases, trial.overlaps)
        if trial_plan.arena_bytes <= plan.arena_bytes:
            keep.discard(k)
            lowered, plan = trial, trial_plan
    return lowered, plan


def generate_c(graph, prefix: str, *, trace: bool = False, target: str = "c",
               options: dict | None = None) -> tuple[dict[str, str], int, int]:
    """The files of the plain-C runtime, the arena bytes and the weights bytes (in memory).

    ``target`` picks the kernels (see :mod:`tinyvid.codegen.targets`)."""
    lowered, plan = lower_and_plan(graph, prefix, target, options)
    files = render(lowered, plan, prefix, trace=trace)
    return files, plan.arena_bytes, sum(c.nbytes for c in lowered.consts.values())


OPTIMIZE = ("speed", "size")


def emit(model_path, out_dir, *, prefix: str = "model", runtime: str = "c", target: str = "c",
         optimize: str = "speed", measure_tflm: bool = True) -> EmitResult:
    """Write the C library of an int8 ``.tflite`` into ``out_dir``.

    Everything is generated in memory and written to a temporary folder first; the
    files are moved into ``out_dir`` only when all of them exist, so an error
    leaves nothing half-written.
    """
    validate_prefix(prefix)
    check_target(target)
    if optimize not in OPTIMIZE:
        raise TinyvidError(f"unknown optimization '{optimize}'", f"choose one of: {', '.join(OPTIMIZE)}")
    check_output_dir(out_dir)
    if runtime not in RUNTIMES:
        raise TinyvidError(f"unknown runtime '{runtime}'", f"choose one of: {', '.join(RUNTIMES)}")
    graph = load_graph(model_path)
    tflm_arena = None
    if runtime == "c":
        files, arena, weights = generate_c(graph, prefix, target=target, options={"optimize": optimize})
    else:
        from tinyvid.codegen.tflm_runtime import generate_tflm

        files, arena, weights, tflm_arena = generate_tflm(graph, prefix)
    if measure_tflm and tflm_arena is None:
        from tinyvid.model.reference import tflm_arena_bytes

        try:
            tflm_arena = tflm_arena_bytes(graph.model_bytes)
        except ModelError:
            tflm_arena = None
    written = _write_all(files, Path(out_dir))
    g = strip_float_io(graph) if runtime == "c" else graph
    return EmitResult(
        model=g.source_name,
        out_dir=str(out_dir),
        prefix=prefix,
        runtime=runtime,
        target=target if runtime == "c" else "c",
        optimize=optimize,
        files=[str(p) for p in written],
        arena_bytes=arena,
        tflm_arena_bytes=tflm_arena,
        weights_bytes=weights,
        tflite_bytes=len(graph.model_bytes),
        macs=model_stats(g).total_macs,
        operators=len(g.operators),
        opcodes=g.opcodes,
        inputs=[_info(t) for t in g.input_tensors()],
        outputs=[_info(t) for t in g.output_tensors()],
    )


def _write_all(files: dict[str, str | bytes], out_dir: Path) -> list[Path]:
    if out_dir.exists() and not out_dir.is_dir():
        raise ProjectError(f"{out_dir} exists and is not a folder", "choose another output folder with -o")
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tinyvid-emit-", dir=parent))
    except OSError as exc:
        raise ProjectError(f"cannot write to {parent}: {exc.strerror or exc}", "check the folder permissions") from exc
    try:
        for name, text in files.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            (tmp / name).write_bytes(data)
        if not out_dir.exists():
            os.replace(tmp, out_dir)
        else:
            for name in files:
                os.replace(tmp / name, out_dir / name)
    except OSError as exc:
        raise ProjectError(f"cannot write the generated files to {out_dir}: {exc.strerror or exc}", "check the folder permissions") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [out_dir / name for name in files]
