"""Group-aware, stratified train/val/test splits: no clip lands on two sides."""

from __future__ import annotations

import numpy as np

from tinyvid.errors import DataError


def split_groups(
    y: np.ndarray,
    groups: np.ndarray,
    class_names: tuple[str, ...],
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame indices of train, val and test.

    Whole groups (clips) are assigned to one split, separately for each class so that
    every split holds every class in about the same proportion. Deterministic from
    ``seed``. A class needs at least three groups (one per split).
    """
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise DataError(
            f"bad split fractions: val {val_fraction}, test {test_fraction}",
            "use fractions between 0 and 1 whose sum is below 1 (default 0.15 and 0.15)",
        )
    rng = np.random.default_rng(seed)
    split_of_group: dict[int, int] = {}
    for label, name in enumerate(class_names):
        class_groups = np.unique(groups[y == label])
        n = class_groups.size
        if n < 3:
            raise DataError(
                f"class '{name}' has {n} clip(s)/image(s); a train/val/test split needs at least 3",
                f"add more clips or images to class '{name}' (frames of one clip never go to two splits)",
            )
        order = rng.permutation(class_groups)
        n_test = min(max(1, int(round(n * test_fraction))), n - 2)
        n_val = min(max(1, int(round(n * val_fraction))), n - 1 - n_test)
        for g in order[:n_test]:
            split_of_group[int(g)] = 2
        for g in order[n_test : n_test + n_val]:
            split_of_group[int(g)] = 1
        for g in order[n_test + n_val :]:
            split_of_group[int(g)] = 0
    # A group spanning two classes keeps the split of its first class.
    side = np.array([split_of_group[int(g)] for g in groups], dtype=np.int64)
    return tuple(np.flatnonzero(side == k) for k in range(3))  # type: ignore[return-value]
