"""The sweep's outputs: a table of the points and the Pareto front (text), CSV, JSON
and a PNG scatter plot of cost against accuracy."""

from __future__ import annotations

import csv
from pathlib import Path

from tinyvid.sweep.cache import write_json
from tinyvid.sweep.pareto import COSTS

#: CSV columns, in order (a point's record may hold more; the JSON has everything)
COLUMNS = ("key", "pareto", "recommended", "resolution", "width", "prune", "sparsity", "gate", "fits", "accuracy", "test_accuracy",
           "gate_accuracy_cost", "float_accuracy", "params", "macs", "instructions", "instructions_per_frame",
           "latency_ms", "energy_per_inference_uj", "energy_per_frame_uj", "arena_bytes", "flash_bytes",
           "ram_bytes", "tflite_bytes", "measured_sparsity", "frames", "frames_inferred", "frames_skipped",
           "frames_lost", "bit_exact_frames", "accuracy_board", "event_recall", "fit_message", "error")


def write_outputs(result, out_dir: Path) -> dict:
    files = {"json": out_dir / "sweep.json", "csv": out_dir / "sweep.csv", "png": out_dir / "sweep.png"}
    files_str = {k: str(v) for k, v in files.items()}
    result.files = files_str
    write_json(files["json"], result.to_dict())
    with open(files["csv"], "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), extrasaction="ignore")
        writer.writeheader()
        front = {r["key"] for r in result.front}
        chosen = result.recommendation.point["key"] if result.recommendation.point else None
        for r in result.records:
            writer.writerow({**{c: r.get(c, "") for c in COLUMNS}, "gate": "on" if r["gate"] else "off",
                             "pareto": int(r["key"] in front), "recommended": int(r["key"] == chosen)})
    plot(result, files["png"])
    return files_str


def plot(result, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = COSTS[result.cost]
    pts = [r for r in result.records if r.get(key) is not None and r.get("accuracy") is not None]
    front = {r["key"] for r in result.front}
    chosen = result.recommendation.point["key"] if result.recommendation.point else None
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for gate, marker in ((True, "o"), (False, "s")):
        sel = [r for r in pts if r["gate"] == gate]
        if sel:
            sc = ax.scatter([r[key] for r in sel], [100 * r["accuracy"] for r in sel], marker=marker,
                            c=[r["flash_bytes"] / 1024 for r in sel], cmap="viridis", s=50,
                            edgecolors=["red" if r["key"] in front else "none" for r in sel], linewidths=1.5,
                            label=f"gate {'on' if gate else 'off'}")
    if pts:
        fig.colorbar(sc, ax=ax, label="flash (KiB)")
    line = sorted((r for r in pts if r["key"] in front), key=lambda r: r[key])
    if line:
        ax.plot([r[key] for r in line], [100 * r["accuracy"] for r in line], "r--", lw=1, label="Pareto front")
    for r in pts:
        ax.annotate(f"r{r['resolution']} w{r['width']:g} p{r['prune']:g} s{r['sparsity']:g}",
                    (r[key], 100 * r["accuracy"]), fontsize=6, xytext=(3, 3), textcoords="offset points")
    if chosen:
        r = next(r for r in pts if r["key"] == chosen)
        ax.scatter([r[key]], [100 * r["accuracy"]], marker="*", s=250, c="gold", edgecolors="k", zorder=5,
                   label=f"recommended for {result.recommendation.board}")
    ax.set_xscale("log")
    ax.set_xlabel("energy per frame (uJ, estimate)" if result.cost == "energy" else "instructions per frame")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"tinyvid sweep on {result.board_limits['name']}: {len(result.records)} points")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"


def _num(v, fmt="{:,.0f}"):
    return "-" if v is None or v == "" else fmt.format(v)


def table(records: list[dict], front_keys: set, chosen: str | None) -> str:
    head = ("point", "", "acc", "test", "gate-", "MACs", "instr/inf", "instr/frame", "uJ/frame", "ms/inf",
            "arena B", "flash B", "inferred")
    rows = []
    for r in records:
        mark = ("R" if r["key"] == chosen else "") + ("*" if r["key"] in front_keys else "")
        if r.get("error"):
            rows.append((r["label"], mark, "error") + ("",) * 10)  # the message is listed under the table
            continue
        if not r.get("fits"):
            rows.append((r["label"], mark, _pct(r.get("accuracy")), _pct(r.get("test_accuracy")), "-",
                         _num(r.get("macs")), "does not fit") + ("",) * 6)
            continue
        rows.append((r["label"], mark, _pct(r["accuracy"]), _pct(r["test_accuracy"]),
                     _pct(r.get("gate_accuracy_cost")), _num(r["macs"]), _num(r.get("instructions")),
                     _num(r.get("instructions_per_frame")), _num(r.get("energy_per_frame_uj"), "{:,.1f}"),
                     _num(r.get("latency_ms"), "{:,.2f}"), _num(r.get("arena_bytes")), _num(r.get("flash_bytes")),
                     f"{r.get('frames_inferred')}/{r.get('frames')}"))
    widths = [max(len(str(x[i])) for x in (head, *rows)) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in (head, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def format_result(result) -> str:
    front = {r["key"] for r in result.front}
    rec = result.recommendation
    chosen = rec.point["key"] if rec.point else None
    failed = len(result.errors)
    lines = [f"sweep on {result.board_limits['name']}: {len(result.records)} points, {result.measured} measured "
             f"in this run, {len(result.records) - result.measured - failed} from the cache"
             + (f", {failed} failed" if failed else "") + f", {result.seconds:.0f} s", "",
             table(result.records, front, chosen), "",
             "* on the Pareto front over (" + ("energy per frame" if result.cost == "energy" else "instructions per frame")
             + ", arena, flash) vs accuracy; R recommended",
             "acc: int8 accuracy on the test split (tflite-micro on the host; the board matches it bit for bit) less "
             "the gate's accuracy cost on the stream (gate-)",
             "instructions: exact counts under QEMU -icount; energy: estimate from the board file's power profile",
             "", "Pareto front:"]
    key = COSTS[result.cost]
    for r in result.front:
        lines.append(f"  {r['label']:<32} acc {_pct(r['accuracy']):>6}  {key} {r[key]:,.1f}  arena "
                     f"{r['arena_bytes']:,} B  flash {r['flash_bytes']:,} B")
    lines.append("")
    limits = result.board_limits
    budget = ", ".join(f"{k} {v:g}" for k, v in result.budget.to_dict().items()) or "none"
    if rec.point:
        p = rec.point
        lines.append(f"recommended for {limits['name']} ({limits['flash_bytes']:,} B flash, {limits['ram_bytes']:,} B "
                     f"RAM; budget: {budget}): {p['label']}")
        lines.append(f"  accuracy {_pct(p['accuracy'])}, {p['instructions']:,.0f} instructions per inference "
                     f"({p['latency_ms']:,.2f} ms at the clock), {p['energy_per_frame_uj']:,.1f} uJ per frame, arena "
                     f"{p['arena_bytes']:,} B, firmware flash {p['flash_bytes']:,} B, RAM {p['ram_bytes']:,} B")
        lines.append(f"  built and streamed on {limits['name']}: {p['frames']} frames, {p['frames_inferred']} inferred, "
                     f"lost {p['frames_lost']}, {p['bit_exact_frames']}/{p['frames_inferred']} inferred frames "
                     "bit-exact with tflite-micro")
        lines.append(f"  model {p['int8_model']}")
        lines.append(f"  project {p['project']}")
    else:
        lines.append(f"no point fits {limits['name']} within the budget ({budget})")
    if result.errors:
        lines.append(f"{len(result.errors)} point(s) failed: rerun to retry them (the others are cached)")
        lines += [f"  {r['label']}: {r['error'].splitlines()[0]}" for r in result.errors]
    lines.append("wrote: " + ", ".join(result.files.values()))
    return "\n".join(lines)
