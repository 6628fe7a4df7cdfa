"""``regress``: run a suite of model x board x data cases, check budgets and the
stored baseline, and say what regressed and by how much.

The suite format is described in :mod:`tinyvid.harness.suite`. Each case goes
through the same library functions as the single commands: generate the project,
build it, launch the board, :func:`~tinyvid.harness.bench.bench` and
:func:`~tinyvid.harness.validate.validate`. A different ``runner`` (any callable
``Case -> dict of metrics``) can be given, e.g. for tests or for real boards.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tinyvid.errors import EXIT_ERROR, EXIT_OK, EXIT_REGRESSION, SuiteError, TinyvidError, UnmeasuredBudget
from tinyvid.harness.suite import ABSOLUTE, LOWER_IS_BETTER, METRICS, Case, Suite
from tinyvid.processes import interrupt_name

Runner = Callable[[Case], dict]
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Finding:
    """One metric checked against one limit (a budget or the baseline)."""

    metric: str
    value: float
    limit: float
    source: str  # "budget" or "baseline"
    reference: float  # the budget, or the baseline value
    passed: bool

    @property
    def change(self) -> str:
        """How far the value is from the reference, for people."""
        delta = self.value - self.reference
        if self.metric in ABSOLUTE:
            return f"{delta:+.4g}"
        if self.reference:
            return f"{delta:+.6g} ({100 * delta / self.reference:+.1f}%)"
        return f"{delta:+.6g}"

    def describe(self) -> str:
        relation = ("<=" if self.metric in LOWER_IS_BETTER else ">=")
        if self.source == "budget":
            return f"{self.metric} {self.value:.6g} vs budget {relation} {self.reference:.6g}: {self.change}"
        return (f"{self.metric} {self.value:.6g} vs baseline {self.reference:.6g}: {self.change}, "
                f"allowed {relation} {self.limit:.6g}")


@dataclass
class CaseOutcome:
    case: Case
    metrics: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    energy_source: str | None = None  # "measured" (a power monitor) or "estimate", for energy_uj

    @property
    def regressions(self) -> list[Finding]:
        return [f for f in self.findings if not f.passed]

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "regressed" if self.regressions else "passed"


@dataclass
class SuiteOutcome:
    suite: Suite
    cases: list[CaseOutcome]
    baseline_written: Path | None = None
    #: The signal that stopped the run (SIGINT, SIGTERM, SIGHUP), and the cases it left unrun.
    stopped_by: str | None = None
    not_run: list[Case] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.stopped_by is None

    @property
    def exit_code(self) -> int:
        if not self.complete or any(c.status == "error" for c in self.cases):
            return EXIT_ERROR
        if any(c.status == "regressed" for c in self.cases):
            return EXIT_REGRESSION
        return EXIT_OK

    def to_dict(self) -> dict:
        return {
            "suite": self.suite.name, "file": str(self.suite.path), "exit_code": self.exit_code,
            "baseline": str(self.suite.baseline) if self.suite.baseline else None,
            "baseline_written": str(self.baseline_written) if self.baseline_written else None,
            "complete": self.complete,
            "error": None if self.complete else {
                "type": "Interrupted", "message": f"interrupted by {self.stopped_by}",
                "hint": f"{len(self.not_run)} case(s) were not run; run the suite again"},
            "not_run": [c.id for c in self.not_run],
            "cases": [
                {"id": c.case.id, "model": str(c.case.model), "board": c.case.board, "place": c.case.place,
                 "data": c.case.data,
                 "status": c.status, "seconds": round(c.seconds, 3), "error": c.error, "metrics": c.metrics,
                 "notes": c.notes, "energy_source": c.energy_source,
                 "checks": [{"metric": f.metric, "value": f.value, "source": f.source, "reference": f.reference,
                             "limit": f.limit, "passed": f.passed, "change": f.change} for f in c.findings]}
                for c in self.cases
            ],
        }


def check_budget(metrics: dict[str, float], budget: dict[str, float], *, where: str = "the run",
                 hint: str | None = None) -> list[Finding]:
    """Check each budget against the measured ``metrics``. A budget on a metric
    that was not measured can neither pass nor fail: :class:`UnmeasuredBudget`
    (``where`` names what did not report it, ``hint`` what to do)."""
    missing = tuple(metric for metric in budget if metric not in metrics)
    if missing:
        reported = tuple(metric for metric in metrics if metric in METRICS)
        raise UnmeasuredBudget(missing, reported, where,
                               hint or "budget one of the metrics it reports instead")
    findings = []
    for metric, limit in budget.items():
        value = metrics[metric]
        ok = value <= limit if metric in LOWER_IS_BETTER else value >= limit
        findings.append(Finding(metric, value, limit, "budget", limit, ok))
    return findings


def check_baseline(metrics: dict[str, float], baseline: dict[str, float],
                   tolerances: dict[str, float]) -> list[Finding]:
    findings = []
    for metric, base in baseline.items():
        if metric not in metrics or metric not in tolerances:
            continue
        value, tol = metrics[metric], tolerances[metric]
        lower = metric in LOWER_IS_BETTER
        if metric in ABSOLUTE:
            limit = base + tol if lower else base - tol
        else:
            limit = base * (1 + tol) if lower else base * (1 - tol)
        ok = value <= limit + 1e-12 if lower else value >= limit - 1e-12
        findings.append(Finding(metric, value, limit, "baseline", base, ok))
    return findings


def load_baseline(path: Path | None) -> dict[str, dict[str, float]]:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cases = data["cases"]
        if not isinstance(cases, dict):
            raise TypeError("'cases' is not an object")
        return {str(k): {str(m): float(v) for m, v in vals.items()} for k, vals in cases.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SuiteError(f"baseline {path} is not a tinyvid baseline: {exc}",
                         hint="rewrite it with `tinyvid regress SUITE --update-baseline`") from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` holds either the old or the new file, never
    half of one: a temporary file beside it, flushed to disk, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def _measure(suite: Suite, case: Case, runner: Runner) -> CaseOutcome:
    """Run one case and check its budgets; a TinyvidError becomes the case's error
    (with what it measured before it, if the runner kept that: ``exc.metrics``)."""
    outcome = CaseOutcome(case)
    start = time.monotonic()
    try:
        try:
            metrics = runner(case)
            outcome.notes = list(metrics.pop("notes", []) or [])
            outcome.energy_source = metrics.pop("energy_source", None)
            outcome.metrics = {k: float(v) for k, v in metrics.items() if v is not None}
            outcome.findings = check_budget(
                outcome.metrics, case.budget, where=f"case {case.id} on {case.board}",
                hint=f"in {suite.path.name}, budget only metrics the case reports ([case.budget] of '{case.name}')")
        except TinyvidError as exc:
            outcome.error = exc.message + (f" ({exc.hint})" if exc.hint else "")
            partial = getattr(exc, "metrics", None)
            if isinstance(partial, dict) and not outcome.metrics:
                outcome.notes = list(partial.get("notes", []) or [])
                outcome.metrics = {k: float(v) for k, v in partial.items()
                                   if k != "notes" and isinstance(v, (int, float))}
    finally:
        outcome.seconds = time.monotonic() - start
    return outcome


def run_suite(suite: Suite, *, runner: Runner | None = None, update_baseline: bool = False,
              progress: Callable[[str], None] | None = None, jobs: int = 1, power: str | None = None) -> SuiteOutcome:
    """Run every case; compare with budgets and (unless updating it) the baseline.

    ``jobs`` > 1 runs that many cases at once (see :mod:`tinyvid.harness.parallel`):
    the outcomes, and so every report, come in the suite's order as in a serial run.
    ``power``: a power monitor spec for every case (one monitor: one case at a time)."""
    if power not in (None, "none") and jobs > 1:
        raise SuiteError(f"--power {power} measures one board at a time, and --jobs {jobs} runs several",
                         hint="run with --jobs 1 to measure energy with the monitor, or leave out --power")
    if runner is None:
        def runner(case: Case) -> dict:
            return run_case(case, suite.work_dir, power=power)
    baseline = load_baseline(suite.baseline)
    if jobs > 1 and len(suite.cases) > 1:
        from tinyvid.harness.parallel import run_parallel

        outcomes, stopped_by, not_run = run_parallel(
            suite.cases, lambda case: _measure(suite, case, runner), jobs=jobs,
            progress=(lambda case: progress(_describe(case))) if progress else None)
    else:
        outcomes, stopped_by, not_run = _run_serial(suite, runner, progress)
    for outcome in outcomes:
        case = outcome.case
        if outcome.error is None:
            if not update_baseline and case.id in baseline:
                tolerances = {**suite.tolerances, **case.tolerances}
                outcome.findings += check_baseline(outcome.metrics, baseline[case.id], tolerances)
            elif not update_baseline and suite.baseline is not None:
                outcome.notes.append("no baseline for this case yet (run with --update-baseline)")
    result = SuiteOutcome(suite, outcomes, stopped_by=stopped_by, not_run=not_run)
    if stopped_by is not None:
        if update_baseline:
            outcomes[-1].notes.append("the baseline was not updated: the run is incomplete")
        return result
    if update_baseline:
        if suite.baseline is None:
            raise SuiteError(f"{suite.path}: baseline: the suite names no baseline file to update",
                             hint='add baseline = "baseline.json" to the suite file')
        cases = dict(baseline)  # cases that failed to run keep their old figures
        for outcome in outcomes:
            if outcome.error is None:
                cases[outcome.case.id] = outcome.metrics
        write_json_atomic(suite.baseline, {"version": BASELINE_VERSION, "suite": suite.name, "cases": cases})
        result.baseline_written = suite.baseline
    return result


def _describe(case: Case) -> str:
    where = f"place {case.place}" if case.place else case.board
    return f"{case.id}: {case.model.name} on {where} " + (f"with {case.data}" if case.samples else "(bench only)")


def _run_serial(suite: Suite, runner: Runner, progress) -> tuple[list[CaseOutcome], str | None, list[Case]]:
    """One case after another in this thread; a signal stops the run at its case."""
    outcomes: list[CaseOutcome] = []
    for number, case in enumerate(suite.cases):
        if progress:
            progress(_describe(case))
        start = time.monotonic()
        try:
            outcomes.append(_measure(suite, case, runner))
        except KeyboardInterrupt as exc:  # stop here; the cases done so far are reported
            stopped_by = interrupt_name(exc)
            outcomes.append(CaseOutcome(case, error=f"interrupted by {stopped_by}",
                                        seconds=time.monotonic() - start))
            return outcomes, stopped_by, list(suite.cases[number + 1:])
    return outcomes, None, []


def run_case(case: Case, work_dir: Path, *, power: str | None = None) -> dict:
    """Generate, build, launch, bench and validate one case on an emulated or host
    board; a case with a place: bench and validate the board of that labgrid place."""
    from tinyvid.harness.session import measure_project, prepare_project

    if case.place:
        from tinyvid.farm import measure_place

        return measure_place(case)

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in case.id)
    project = prepare_project(case.model, case.board, Path(work_dir) / safe, conversion=case.conversion)
    return measure_project(project, windows=case.windows, iterations=case.iterations, warmup=case.warmup,
                           data=case.data, samples=case.samples, power=power)


def regress(suite_file: str | Path, *, junit: Path | None = None, json_path: Path | None = None,
            update_baseline: bool = False, runner: Runner | None = None,
            echo: Callable[[str], None] | None = None, jobs: int = 1, place: str | None = None,
            place_wait: float | None = None, power: str | None = None) -> SuiteOutcome:
    """``tinyvid regress``: load the suite, run it (``jobs`` cases at once), print and
    write the reports. ``place`` runs every case on that labgrid place (or tags)
    instead of its board; ``place_wait``: most seconds to wait for a held place;
    ``power``: a power monitor spec (see :func:`run_suite`)."""
    from tinyvid.harness.reporters import suite_junit, suite_text, to_json
    from tinyvid.harness.suite import load_suite

    suite = load_suite(suite_file, place=place, place_wait=place_wait)
    outcome = run_suite(suite, runner=runner, update_baseline=update_baseline, jobs=jobs, power=power,
                        progress=(lambda line: echo(f"running {line}")) if echo else None)
    if echo:
        echo(suite_text(outcome))
    if junit is not None:
        write_atomic(Path(junit), suite_junit(outcome))
    if json_path is not None:
        write_atomic(Path(json_path), to_json(outcome) + "\n")
    return outcome
