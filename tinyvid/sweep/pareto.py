"""The Pareto front of measured sweep points and the recommendation for a board and
a budget. Records are the sweep's point records (plain dicts)."""

from __future__ import annotations

from dataclasses import dataclass

from tinyvid.errors import UsageError

#: cost axis -> the record key it minimises
COSTS = {"energy": "energy_per_frame_uj", "instructions": "instructions_per_frame"}
MEMORY_KEYS = ("arena_bytes", "flash_bytes")


def _measured(record: dict, cost_key: str) -> bool:
    return bool(record.get("fits")) and all(record.get(k) is not None
                                            for k in (cost_key, "accuracy", *MEMORY_KEYS))


def dominates(a: dict, b: dict, cost_key: str) -> bool:
    """``a`` is no worse than ``b`` on cost, arena, flash and accuracy, and better on one."""
    lower = (cost_key, *MEMORY_KEYS)
    no_worse = all(a[k] <= b[k] for k in lower) and a["accuracy"] >= b["accuracy"]
    better = any(a[k] < b[k] for k in lower) or a["accuracy"] > b["accuracy"]
    return no_worse and better


def pareto_front(records: list[dict], cost: str = "energy") -> list[dict]:
    """The measured points no other measured point dominates over (cost, arena, flash)
    vs accuracy, ordered by cost; ``cost`` is ``energy`` (uJ per frame) or
    ``instructions`` (per frame). Points that did not fit or were not measured are
    left out."""
    if cost not in COSTS:
        raise UsageError(f"unknown cost '{cost}'", f"use one of: {', '.join(COSTS)}")
    key = COSTS[cost]
    measured = [r for r in records if _measured(r, key)]
    front = [r for r in measured if not any(dominates(o, r, key) for o in measured if o is not r)]
    return sorted(front, key=lambda r: (r[key], -r["accuracy"], r["arena_bytes"], r["flash_bytes"], r["key"]))


@dataclass(frozen=True)
class Budget:
    """Limits a recommended point must meet (None: no limit)."""

    max_latency_ms: float | None = None   # one inference on the board, at its clock
    max_energy_uj: float | None = None    # per frame of the stream
    max_arena_bytes: int | None = None
    max_flash_bytes: int | None = None
    min_accuracy: float | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def breaks(self, record: dict) -> list[str]:
        """What ``record`` breaks, in words (empty: within the budget)."""
        checks = (("latency_ms", self.max_latency_ms, "latency {v:,.2f} ms > {m:g} ms", False),
                  ("energy_per_frame_uj", self.max_energy_uj, "energy {v:,.1f} uJ/frame > {m:g} uJ", False),
                  ("arena_bytes", self.max_arena_bytes, "arena {v:,} B > {m:,} B", False),
                  ("flash_bytes", self.max_flash_bytes, "flash {v:,} B > {m:,} B", False),
                  ("accuracy", self.min_accuracy, "accuracy {v:.1%} < {m:.1%}", True))
        out = []
        for key, limit, text, at_least in checks:
            if limit is None:
                continue
            value = record.get(key)
            if value is None:
                out.append(f"{key} not measured")
            elif (value < limit) if at_least else (value > limit):
                out.append(text.format(v=value, m=limit))
        return out


@dataclass(frozen=True)
class Recommendation:
    point: dict | None
    board: str
    #: point key -> why it was not chosen (does not fit, breaks the budget)
    rejected: dict

    def to_dict(self) -> dict:
        return {"board": self.board, "point": self.point, "rejected": self.rejected}


def fit_problems(record: dict, flash_bytes: int | None, ram_bytes: int | None) -> list[str]:
    """Why ``record``'s firmware does not fit (empty: it fits)."""
    if not record.get("fits"):
        return [record.get("fit_message") or "does not fit"]
    out = []
    if flash_bytes is not None and record.get("flash_bytes", 0) > flash_bytes:
        out.append(f"firmware flash {record['flash_bytes']:,} B > {flash_bytes:,} B")
    if ram_bytes is not None and record.get("ram_bytes", 0) > ram_bytes:
        out.append(f"firmware RAM {record['ram_bytes']:,} B > {ram_bytes:,} B")
    return out


def recommend(records: list[dict], *, board: str, flash_bytes: int | None = None, ram_bytes: int | None = None,
              budget: Budget = Budget()) -> Recommendation:
    """The most accurate point whose firmware fits the board's flash and RAM and meets
    ``budget``; ties go to less energy per frame, then less flash, then less arena."""
    rejected: dict = {}
    ok = []
    for r in records:
        problems = fit_problems(r, flash_bytes, ram_bytes)
        if not problems and r.get("accuracy") is None:
            problems = ["not measured"]
        problems = problems or budget.breaks(r)
        if problems:
            rejected[r["key"]] = problems
        else:
            ok.append(r)
    best = min(ok, key=lambda r: (-r["accuracy"], r.get("energy_per_frame_uj") or 0.0, r["flash_bytes"],
                                  r["arena_bytes"], r["key"]), default=None)
    return Recommendation(best, board, rejected)
