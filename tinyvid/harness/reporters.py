"""Reporters: bench, validate and regress results as text, JSON and JUnit XML.

They only render records; they never talk to a board.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tinyvid.harness.bench import BenchResult
from tinyvid.harness.regress import SuiteOutcome
from tinyvid.harness.validate import ValidationResult


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _int(n) -> str:
    return "-" if n is None else f"{int(n):,}"


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def bench_text(result: BenchResult) -> str:
    lat = result.latency_us
    windows = result.windows
    rows = [
        ("board", result.board),
        ("model", result.model or "-"),
        ("windows", f"{len(windows)} x infer {windows[0].iterations} {windows[0].warmup}"),
        ("latency", f"{lat.median / 1000:.3f} ms median (min {lat.min / 1000:.3f}, max {lat.max / 1000:.3f}) "
                    f"per inference"),
    ]
    if result.board_latency_us is not None:
        rows[-1] = (rows[-1][0], rows[-1][1] + " (emulated time)")
    if result.work is not None:
        w = result.work
        rows.append((result.work_unit, f"{w.median:,.0f} median (min {w.min:,.0f}, max {w.max:,.0f}) per inference"))
    if result.board_latency_us is not None:
        rows.append(("on the board", f"~{result.board_latency_us / 1000:.3f} ms per inference ({result.board_latency_basis})"))
    if result.macs:
        rows.append(("MACs", f"{result.macs:,} per inference"))
    if result.macs_per_unit is not None:
        unit = "cycle" if result.work_unit == "cycles" else "instruction"
        text = f"{result.macs_per_unit:.3f} per {unit}"
        if result.fraction_of_peak is not None:
            text += (f" = {_pct(result.fraction_of_peak)} of the core's peak "
                     f"{result.peak_macs_per_cycle:g} per cycle")
        rows.append(("MACs/" + unit, text))
    arena = f"{_int(result.arena_bytes)} bytes"
    if result.arena_bytes and result.tflm_arena_bytes:
        arena += (f" (TFLM needs {result.tflm_arena_bytes:,} bytes for this model: "
                  f"{result.arena_bytes / result.tflm_arena_bytes:.2f}x)")
    flash = f"{_int(result.flash_bytes)} bytes"
    if result.flash_bytes and result.tflite_bytes:
        flash += f" (TFLM keeps the {result.tflite_bytes:,}-byte .tflite in flash, plus its interpreter and kernels)"
    rows += [("arena", arena), ("flash", flash)]
    if result.ram_bytes is not None:
        rows.append(("RAM", f"{_int(result.ram_bytes)} bytes"))
    if result.energy_uj is not None:
        rows.append(("energy", f"{result.energy_uj:.2f} uJ per inference ({result.energy_source or 'estimate'}), "
                               f"average {result.average_power_mw:.3f} mW while inferring"))
        rows.append(("", result.energy_basis))
        if result.energy_source == "measured" and result.energy_estimate_uj is not None:
            rows.append(("", f"the board file's estimate: {result.energy_estimate_uj:.2f} uJ per inference"))
    text = "bench\n" + _table(rows)
    for note in result.notes:
        text += f"\nnote: {note}"
    if not result.complete:
        text += f"\nincomplete: {result.error} (the figures above are of the windows measured)"
    return text


def validate_text(result: ValidationResult, *, per_sample: bool = False) -> str:
    rows = [("board", result.board or "-"), ("model", result.model or "-"),
            ("inputs", f"{result.count} of {result.requested}" + (" (partial)" if result.partial else ""))]
    if result.compared:
        rows.append(("bit-exact", f"{result.bit_exact} of {result.compared} "
                                  f"({_pct(result.bit_exact / result.compared)})"))
        rows.append(("max difference", f"{result.max_lsb} LSB"))
    else:
        rows.append(("bit-exact", "not compared"))
    if result.top1_agreement is not None and not result.detections_compared:
        rows.append(("top-1 agreement", _pct(result.top1_agreement)))
    if result.detections_compared:
        found = sum(int(s.board_detections.split(";")[0]) for s in result.samples if s.board_detections)
        rows.append(("detections", f"{result.detections_equal} of {result.detections_compared} inputs decoded on "
                                   f"the board as on the host ({found} objects found)"))
    if result.accuracy is not None:
        rows.append(("accuracy on board", f"{_pct(result.accuracy)} of {result.labelled} labelled inputs"))
    if result.reference_accuracy is not None:
        rows.append(("accuracy on host", _pct(result.reference_accuracy)))
    if result.resets:
        rows.append(("board resets", str(result.resets)))
    text = "validate\n" + _table(rows)
    if per_sample and result.samples:
        # The input's name (its file, and frame for clips) comes last, whole, so that
        # a user can open the input the board got wrong.
        text += "\n\n  label  board  host  max LSB  input"
        for s in result.samples:
            text += (f"\n  {'-' if s.label is None else s.label:>5}  {s.board_top1:>5}  "
                     f"{'-' if s.reference_top1 is None else s.reference_top1:>4}  "
                     f"{'-' if s.max_lsb is None else s.max_lsb:>7}  {s.name}"
                     + ("  (differs)" if s.exact is False else "")
                     + (f"\n         detections board {s.board_detections}  host {s.reference_detections}"
                        + ("" if s.detections_equal is not False else "  (differ)")
                        if s.board_detections is not None else ""))
    for note in result.notes:
        text += f"\nnote: {note}"
    if result.error:
        text += f"\nerror: {result.error}"
    return text


_SUMMARY_METRICS = ("latency_us", "instructions", "cycles", "energy_uj", "arena_bytes", "flash_bytes",
                    "bit_exact", "accuracy")


def suite_text(outcome: SuiteOutcome) -> str:
    lines = [f"regress {outcome.suite.name}: {len(outcome.cases)} case(s)"]
    for case in outcome.cases:
        lines.append(f"  {case.status.upper():<9} {case.case.id}  ({case.seconds:.1f} s)")
        if case.metrics:
            shown = [f"{k}={case.metrics[k]:.6g}" + (f" ({case.energy_source})" if k == "energy_uj" and
                                                        case.energy_source else "")
                     for k in _SUMMARY_METRICS if k in case.metrics]
            lines.append("      " + ", ".join(shown))
        if case.error:
            lines.append(f"      error: {case.error}")
        for finding in case.regressions:
            lines.append(f"      REGRESSION {finding.describe()}")
        for note in case.notes:
            lines.append(f"      note: {note}")
    for case in outcome.not_run:
        lines.append(f"  NOT RUN   {case.id}")
    counts = {s: sum(c.status == s for c in outcome.cases) for s in ("passed", "regressed", "error")}
    lines.append(f"{counts['passed']} passed, {counts['regressed']} regressed, {counts['error']} error(s)"
                 + (f", {len(outcome.not_run)} not run" if outcome.not_run else ""))
    if not outcome.complete:
        lines.append(f"INCOMPLETE: interrupted by {outcome.stopped_by}; the cases above are reported")
    if outcome.baseline_written:
        lines.append(f"baseline written to {outcome.baseline_written}")
    return "\n".join(lines)


def to_json(result) -> str:
    """Any result with ``to_dict()`` as indented JSON."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=False, default=str)


def suite_junit(outcome: SuiteOutcome) -> str:
    """A JUnit XML document: one testcase per case, a failure per regressed case."""
    cases = outcome.cases
    suite = ET.Element("testsuite", {
        "name": outcome.suite.name, "tests": str(len(cases) + len(outcome.not_run)),
        "failures": str(sum(c.status == "regressed" for c in cases)),
        "errors": str(sum(c.status == "error" for c in cases)),
        "skipped": str(len(outcome.not_run)),
        "time": f"{sum(c.seconds for c in cases):.3f}",
    })
    for case in cases:
        element = ET.SubElement(suite, "testcase", {
            "classname": f"tinyvid.regress.{outcome.suite.name}", "name": case.case.id,
            "time": f"{case.seconds:.3f}"})
        if case.error is not None:
            ET.SubElement(element, "error", {"message": case.error[:500]}).text = case.error
        elif case.regressions:
            details = "\n".join(f.describe() for f in case.regressions)
            ET.SubElement(element, "failure", {"message": f"{len(case.regressions)} regression(s): "
                                               + "; ".join(f.describe() for f in case.regressions)[:500]}
                          ).text = details
        out = "\n".join(f"{k} = {v:.6g}" for k, v in sorted(case.metrics.items()))
        ET.SubElement(element, "system-out").text = out
    for case in outcome.not_run:
        element = ET.SubElement(suite, "testcase", {
            "classname": f"tinyvid.regress.{outcome.suite.name}", "name": case.id, "time": "0.000"})
        ET.SubElement(element, "skipped", {"message": f"not run: the suite was interrupted by {outcome.stopped_by}"})
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
