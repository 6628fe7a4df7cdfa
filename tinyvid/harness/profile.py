"""``tinyvid profile``: the cost of every operator, measured on the board.

The firmware runs one inference with the generated model's profile hook set
(``tv-profile``): it reads its timer right before each operator and after the last,
and reports the ticks of the input conversion, of each operator and of the whole
run (the same region ``tv-infer`` and ``bench`` time), so the rows add up to the
per-inference count. Ticks become instructions (emulated boards, an exact count
under QEMU ``-icount``) or cycles (a DWT cycle counter) with the board file's
timer; each row gets the operator's shapes and MACs from the model, its MACs per
instruction (or cycle), its share of the total and the kernel that ran it.

``--compare FILE.tsv`` puts another run's rows (a TSV this module writes) or the
peer's per-layer figures (``model, cpu, variant, layer, op, instructions, macs``,
e.g. TFLM + CMSIS-NN) beside each operator, matched by layer index.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tinyvid.errors import ModelError, ProtocolError, TinyvidError

#: columns of the per-layer TSV (the peer's format: one row per operator)
TSV_COLUMNS = ("model", "cpu", "variant", "layer", "op", "instructions", "macs")


@dataclass
class OpProfile:
    index: int
    op: str
    kernel: str
    input_shapes: list[list[int]]
    output_shapes: list[list[int]]
    macs: int
    ticks: int
    work: float | None  # instructions or cycles (None when the timer's unit is unknown)
    share: float  # of the whole inference
    macs_per_unit: float | None
    compare: float | None = None  # the compared run's instructions (or cycles) for this layer


@dataclass
class ProfileResult:
    model: str
    board: str | None
    kernels: str | None
    unit: str  # "instructions", "cycles" or "ticks"
    total_ticks: int
    input_ticks: int
    end_ticks: int
    total: float  # in ``unit``
    ops: list[OpProfile] = field(default_factory=list)
    peak_macs_per_cycle: float | None = None
    compare_label: str | None = None
    compare_total: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ops_total(self) -> float:
        return sum(o.work if o.work is not None else o.ticks for o in self.ops)

    @property
    def total_macs(self) -> int:
        return sum(o.macs for o in self.ops)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ops_total"] = self.ops_total
        d["total_macs"] = self.total_macs
        return d


def _unit(board) -> tuple[str, float]:
    from tinyvid.harness.bench import work_unit_for

    if board is None:
        return "ticks", 1.0
    unit, factor = work_unit_for(board.timer.kind, board.timer.instructions_per_tick)
    return (unit, factor) if unit else ("ticks", 1.0)


def kernel_variants(graph, target: str | None, optimize: str | None = None) -> list[str]:
    """Which kernel the code generator picks for each operator of the int8 ``graph`` for ``target``
    and ``optimize`` (as the project was generated)."""
    from tinyvid.codegen.emit import lower_and_plan

    try:
        return [c.variant for c in lower_and_plan(graph, "tvp", target or "c", {"optimize": optimize or "speed"})[0].calls]
    except ModelError:
        return ["?"] * len(graph.operators)


def profile_session(session, model: str | Path | None = None, *, compare: str | Path | None = None) -> ProfileResult:
    """Profile the board of an open :class:`~tinyvid.harness.session.BoardSession`."""
    from tinyvid.codegen.boundary import strip_float_io
    from tinyvid.harness.bench import _load_bench_input
    from tinyvid.model.reader import load_graph
    from tinyvid.model.stats import model_stats

    model_path = Path(model) if model else session.model
    if model_path is None:
        raise TinyvidError("profile needs the model the board runs, for the operators' names, shapes and MACs",
                           "give --model MODEL.tflite (a --project finds its own)")
    graph = strip_float_io(load_graph(model_path))
    client = session.client
    info = client.tv_info()
    if info is None:
        raise ProtocolError(f"{client.description} has no tv- extensions, so it cannot time its operators",
                            "flash firmware made by `tinyvid project`")
    _load_bench_input(client, info, seed=0)
    head, ticks = client.tv_profile()
    if len(ticks) != len(graph.operators):
        raise TinyvidError(f"the board runs a model of {len(ticks)} operators, {model_path.name} has {len(graph.operators)}",
                           "give the --model the firmware was generated from")
    board = session.board
    unit, factor = _unit(board)
    stats = model_stats(graph)
    manifest = session.manifest if isinstance(session.manifest, dict) else {}
    kernels = manifest.get("kernels")
    variants = kernel_variants(graph, kernels, manifest.get("optimize"))
    total = head.get("total", 0)
    result = ProfileResult(
        model=model_path.name, board=board.name if board is not None else info.board, kernels=kernels, unit=unit,
        total_ticks=total, input_ticks=head.get("input", 0), end_ticks=head.get("end", 0), total=total * factor,
        peak_macs_per_cycle=board.compute.peak_macs_per_cycle if board is not None else None,
    )
    for layer, t, kernel in zip(stats.layers, ticks, variants):
        work = t * factor if unit != "ticks" else None
        result.ops.append(OpProfile(
            index=layer.index, op=layer.op, kernel=kernel, input_shapes=layer.input_shapes,
            output_shapes=layer.output_shapes, macs=layer.macs, ticks=t, work=work,
            share=t / total if total else 0.0,
            macs_per_unit=(layer.macs / work) if (work and layer.macs) else None,
        ))
    if unit == "ticks":
        result.notes.append("the board file gives no instructions_per_tick for its timer: figures are timer ticks")
    if compare is not None:
        apply_compare(result, compare)
    return result


def profile_board(*, port: str | None = None, project: str | Path | None = None, board: str | None = None,
                  model: str | Path | None = None, compare: str | Path | None = None,
                  line_timeout: float = 5.0, infer_timeout: float = 30.0, record: str | Path | None = None) -> ProfileResult:
    """``tinyvid profile``: open the board, profile one inference, close it."""
    from tinyvid.harness.session import board_of_firmware, open_board

    with open_board(port=port, project=project, board=board, line_timeout=line_timeout,
                    infer_timeout=infer_timeout, record=record) as session:
        if session.board is None:
            session.board = board_of_firmware(session.client)
        return profile_session(session, model, compare=compare)


def read_layers_tsv(path: str | Path, model: str, variant: str | None = None) -> tuple[str, dict[int, float]]:
    """Per-layer figures of ``model`` (file name or stem) from a TSV in :data:`TSV_COLUMNS` form.

    The peer's file holds several variants per model (``ref``, ``cmsis_nn``): the
    fastest one is taken unless ``variant`` names one. Returns (label, {layer: instructions}).
    """
    path = Path(path)
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except OSError as exc:
        raise TinyvidError(f"cannot read {path}: {exc.strerror or exc}", "give a readable .tsv file") from exc
    missing = [c for c in ("model", "variant", "layer", "instructions") if rows and c not in rows[0]]
    if not rows or missing:
        raise TinyvidError(f"{path} is not a per-layer table (missing columns: {', '.join(missing) or 'all rows'})",
                           f"give a TSV with the columns {', '.join(TSV_COLUMNS)}")
    stem = Path(model).stem
    mine = [r for r in rows if Path(r["model"]).stem == stem]
    if not mine:
        known = sorted({r["model"] for r in rows})
        raise TinyvidError(f"{path} has no rows for {stem}", f"models in it: {', '.join(known)}")
    by_variant: dict[str, dict[int, float]] = {}
    try:
        for r in mine:
            by_variant.setdefault(r["variant"], {})[int(r["layer"])] = float(r["instructions"])
    except ValueError as exc:
        raise TinyvidError(f"{path}: a layer or instructions value is not a number ({exc})", "fix the file") from exc
    if variant is None:
        variant = min(by_variant, key=lambda v: sum(by_variant[v].values()))
    if variant not in by_variant:
        raise TinyvidError(f"{path} has no variant '{variant}' for {stem}", f"variants: {', '.join(sorted(by_variant))}")
    return f"{path.name}:{variant}", by_variant[variant]


def apply_compare(result: ProfileResult, path: str | Path, variant: str | None = None) -> None:
    label, layers = read_layers_tsv(path, result.model, variant)
    result.compare_label = label
    result.compare_total = sum(layers.values())
    for o in result.ops:
        o.compare = layers.get(o.index)


def write_tsv(result: ProfileResult, path: str | Path, cpu: str = "") -> Path:
    """This run's rows as a per-layer TSV (the same columns as the peer's), for a later ``--compare``."""
    path = Path(path)
    with path.open("w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(TSV_COLUMNS)
        for o in result.ops:
            w.writerow([result.model, cpu or (result.board or ""), f"tinyvid-{result.kernels or 'c'}", o.index, o.op,
                        round(o.work if o.work is not None else o.ticks), o.macs])
    return path


def _shape(shapes: list[list[int]]) -> str:
    return ",".join("x".join(str(d) for d in s) for s in shapes)


def format_table(r: ProfileResult) -> str:
    unit = {"instructions": "instr", "cycles": "cycles", "ticks": "ticks"}[r.unit]
    per = {"instructions": "MACs/instr", "cycles": "MACs/cycle", "ticks": "MACs/tick"}[r.unit]
    head = ["#", "op", "kernel", "input", "output", "MACs", unit, per, "share"]
    if r.compare_label:
        head += ["compared", "ratio"]
    rows = []
    for o in r.ops:
        work = o.work if o.work is not None else float(o.ticks)
        row = [str(o.index), o.op, o.kernel, _shape(o.input_shapes[:1]), _shape(o.output_shapes), f"{o.macs:,}",
               f"{work:,.0f}", "-" if o.macs_per_unit is None else f"{o.macs_per_unit:.3f}", f"{100 * o.share:.1f}%"]
        if r.compare_label:
            row += ["-" if o.compare is None else f"{o.compare:,.0f}",
                    "-" if not o.compare else f"{work / o.compare:.2f}"]
        rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    right = {0, 5, 6, 7, 8, 9, 10}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [f"profile of {r.model} on {r.board or 'the board'} ({r.kernels or '?'} kernels), one inference", "",
           line(head), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows]
    input_work = r.total * (r.input_ticks / r.total_ticks) if r.total_ticks else 0.0
    ops_sum = r.ops_total
    macs = r.total_macs
    out.append("")
    out.append(f"operators  {ops_sum:,.0f} {unit} for {macs:,} MACs"
               + (f" ({macs / ops_sum:.3f} {per})" if ops_sum and macs else ""))
    out.append(f"input      {input_work:,.0f} {unit} (conversion into the input tensor)")
    out.append(f"total      {r.total:,.0f} {unit} per inference (operators + input + return; what bench measures)")
    if r.peak_macs_per_cycle:
        out.append(f"core peak  {r.peak_macs_per_cycle:g} MACs per cycle")
    if r.compare_label and r.compare_total:
        out.append(f"compared   {r.compare_total:,.0f} in {r.compare_label}: operators {ops_sum / r.compare_total:.2f}x")
    out += [f"note       {n}" for n in r.notes]
    return "\n".join(out)


def plot(r: ProfileResult, path: str | Path) -> Path:
    """A bar chart of the cost of every operator (and the compared run's, if any) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    n = len(r.ops)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.32 * n + 2), 4.2), dpi=110)
    xs = list(range(n))
    mine = [o.work if o.work is not None else o.ticks for o in r.ops]
    width = 0.4 if r.compare_label else 0.8
    ax.bar([x - (width / 2 if r.compare_label else 0) for x in xs], mine, width, label=f"tinyvid ({r.kernels or '?'})")
    if r.compare_label:
        ax.bar([x + width / 2 for x in xs], [o.compare or 0 for o in r.ops], width, label=r.compare_label)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{o.index} {o.op.replace('_', ' ').lower()}" for o in r.ops], rotation=90, fontsize=7)
    ax.set_ylabel(f"{r.unit} per inference")
    ax.set_title(f"{r.model} on {r.board or 'the board'}: {r.total:,.0f} {r.unit} per inference", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as exc:
        raise TinyvidError(f"cannot write {path}: {exc.strerror or exc}", "choose another --plot path") from exc
    finally:
        plt.close(fig)
    return path


def to_json(r: ProfileResult) -> str:
    return json.dumps(r.to_dict(), indent=2)
