"""``tinyvid sweep``: a grid over input resolution, width, structured pruning,
sparsity and the motion gate; every point trained, compressed, built and measured on
a board through the library's own stages (cached, resumable); the Pareto front and
the best point for a board and a budget."""

from tinyvid.sweep.grid import AXES, Grid, Point, load_grid, make_grid, parse_values
from tinyvid.sweep.pareto import Budget, Recommendation, dominates, pareto_front, recommend
from tinyvid.sweep.run import Settings, SweepResult, run_sweep

__all__ = ["AXES", "Budget", "Grid", "Point", "Recommendation", "Settings", "SweepResult", "dominates", "load_grid",
           "make_grid", "pareto_front", "parse_values", "recommend", "run_sweep"]
