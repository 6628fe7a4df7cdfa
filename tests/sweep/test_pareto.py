"""The Pareto front and the recommendation, on hand-made point records (exact)."""

from __future__ import annotations

import pytest

from tinyvid.errors import UsageError
from tinyvid.sweep import Budget, dominates, pareto_front, recommend


def rec(key, acc, energy, arena, flash, *, ram=20_000, fits=True, latency=10.0, instr=None):
    return {"key": key, "accuracy": acc, "energy_per_frame_uj": energy, "arena_bytes": arena, "flash_bytes": flash,
            "ram_bytes": ram, "fits": fits, "latency_ms": latency,
            "instructions_per_frame": instr if instr is not None else energy * 1000}


RECORDS = [
    rec("a", 0.90, 100.0, 10_000, 60_000),            # front: the most accurate
    rec("b", 0.85, 40.0, 6_000, 40_000),              # front: cheaper on everything
    rec("c", 0.85, 50.0, 6_000, 40_000),              # dominated by b (more energy, same rest)
    rec("d", 0.80, 40.0, 6_000, 40_000),              # dominated by b (less accurate)
    rec("e", 0.70, 20.0, 12_000, 80_000),             # front: least energy despite more memory
    rec("f", 0.95, 200.0, 30_000, 900_000, fits=False),  # did not fit: never on the front
    rec("g", 0.85, 40.0, 6_000, 40_000),              # the same as b: neither dominates the other
]


def keys(records):
    return [r["key"] for r in records]


def test_dominance_needs_no_worse_everywhere_and_better_somewhere():
    b, c, g = RECORDS[1], RECORDS[2], RECORDS[6]
    assert dominates(b, c, "energy_per_frame_uj")
    assert not dominates(c, b, "energy_per_frame_uj")
    assert not dominates(b, g, "energy_per_frame_uj") and not dominates(g, b, "energy_per_frame_uj")


def test_the_front_is_the_non_dominated_measured_points_ordered_by_cost():
    assert keys(pareto_front(RECORDS)) == ["e", "b", "g", "a"]


def test_the_front_over_instructions_uses_instructions_per_frame():
    records = [rec("x", 0.9, 10.0, 1, 1, instr=500.0), rec("y", 0.9, 20.0, 1, 1, instr=400.0)]
    assert keys(pareto_front(records, "energy")) == ["x"]
    assert keys(pareto_front(records, "instructions")) == ["y"]
    with pytest.raises(UsageError, match="unknown cost 'watts'"):
        pareto_front(records, "watts")


def test_the_recommendation_is_the_most_accurate_point_that_fits_the_board():
    chosen = recommend(RECORDS, board="b1", flash_bytes=1_048_576, ram_bytes=196_608)
    assert chosen.point["key"] == "a"
    assert chosen.rejected == {"f": ["does not fit"]}


def test_the_board_flash_and_ram_rule_out_bigger_firmware():
    chosen = recommend(RECORDS, board="small", flash_bytes=50_000, ram_bytes=196_608)
    assert chosen.point["key"] == "b"  # b and g tie on accuracy, energy, flash and arena: the key decides
    assert chosen.rejected["a"] == ["firmware flash 60,000 B > 50,000 B"]
    assert chosen.rejected["e"] == ["firmware flash 80,000 B > 50,000 B"]
    tight_ram = recommend(RECORDS, board="tiny", flash_bytes=None, ram_bytes=10_000)
    assert tight_ram.point is None
    assert tight_ram.rejected["a"] == ["firmware RAM 20,000 B > 10,000 B"]


def test_ties_on_accuracy_go_to_less_energy():
    chosen = recommend(RECORDS[1:4], board="b1")
    assert chosen.point["key"] == "b"


def test_the_budget_rules_out_points_and_says_why():
    budget = Budget(max_energy_uj=45.0, max_arena_bytes=8_000)
    chosen = recommend(RECORDS, board="b1", budget=budget)
    assert chosen.point["key"] == "b"
    assert chosen.rejected["a"] == ["energy 100.0 uJ/frame > 45 uJ", "arena 10,000 B > 8,000 B"]
    assert chosen.rejected["c"] == ["energy 50.0 uJ/frame > 45 uJ"]
    assert chosen.rejected["e"] == ["arena 12,000 B > 8,000 B"]


def test_latency_flash_and_accuracy_budgets():
    records = [rec("slow", 0.9, 10.0, 1, 1, latency=80.0), rec("fast", 0.8, 10.0, 1, 1, latency=5.0)]
    assert recommend(records, board="b", budget=Budget(max_latency_ms=50.0)).point["key"] == "fast"
    assert recommend(records, board="b", budget=Budget(max_flash_bytes=1)).point["key"] == "slow"
    nothing = recommend(records, board="b", budget=Budget(max_latency_ms=50.0, min_accuracy=0.85))
    assert nothing.point is None
    assert nothing.rejected == {"slow": ["latency 80.00 ms > 50 ms"], "fast": ["accuracy 80.0% < 85.0%"]}


def test_a_point_with_an_error_is_neither_on_the_front_nor_recommended():
    broken = {"key": "z", "error": "the build failed", "fits": False}
    assert keys(pareto_front([broken, RECORDS[0]])) == ["a"]
    chosen = recommend([broken], board="b")
    assert chosen.point is None and chosen.rejected == {"z": ["does not fit"]}
