"""The board's motion gate and temporal smoothing, computed on the host bit for bit
as the firmware computes them (``firmware_templates/common/tv_gate.c`` and
``tv_smooth.c``), and the calibration of the gate's thresholds from labelled frames.

The gate cuts a frame into ``cells x cells`` blocks, takes each block's mean of
4 x luma (R + 2G + B, or 4 x grey) over every ``step``-th pixel, and compares it
with a running background (blended at 1 / 2^alpha a frame, 4 fractional bits). A
block inside the region of interest that differs by more than ``thr`` luma levels
is changed; ``blocks`` changed blocks make motion. The model runs on the first
frame, on motion, for ``hold`` frames after it and whenever ``refresh`` frames have
passed since it last ran.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from tinyvid.errors import UsageError

MAX_CELLS = 16
REASONS = ("still", "first", "motion", "hold", "refresh", "off")
SMOOTH_MODES = ("none", "avg", "vote", "hyst")
MAX_WINDOW = 16


@dataclass(frozen=True)
class GateConfig:
    on: bool = True
    cells: int = 8
    step: int = 2
    thr: int = 12
    blocks: int = 1
    hold: int = 2
    refresh: int = 30
    alpha: int = 4

    def check(self, height: int, width: int) -> "GateConfig":
        problems = []
        if not 1 <= self.cells <= min(MAX_CELLS, height, width):
            problems.append(f"cells {self.cells} (1..{min(MAX_CELLS, height, width)})")
        if not 1 <= self.step <= 16:
            problems.append(f"step {self.step} (1..16)")
        if not 0 <= self.thr <= 255:
            problems.append(f"threshold {self.thr} (0..255)")
        if not 1 <= self.blocks <= self.cells * self.cells:
            problems.append(f"blocks {self.blocks} (1..{self.cells * self.cells})")
        if not 0 <= self.alpha <= 8:
            problems.append(f"alpha {self.alpha} (0..8)")
        if not 0 <= self.hold <= 1_000_000 or not 0 <= self.refresh <= 1_000_000:
            problems.append("hold and refresh must be 0..1000000")
        if problems:
            raise UsageError("motion gate settings out of range: " + ", ".join(problems),
                             "see 'tinyvid stream --help' for --gate-cells, --gate-threshold, --gate-blocks, "
                             "--gate-hold, --gate-refresh")
        return self

    def command(self) -> str:
        """The argument of ``tv-gate-set``."""
        return (f"on={int(self.on)},cells={self.cells},step={self.step},thr={self.thr},blocks={self.blocks},"
                f"hold={self.hold},refresh={self.refresh},alpha={self.alpha}")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SmoothConfig:
    mode: str = "none"
    n: int = 1
    k: int = 1
    on: int = 0
    off: int = 0

    def check(self) -> "SmoothConfig":
        if self.mode not in SMOOTH_MODES:
            raise UsageError(f"unknown smoothing '{self.mode}'", f"use one of {', '.join(SMOOTH_MODES)}")
        if not (1 <= self.n <= MAX_WINDOW and 1 <= self.k <= self.n and -128 <= self.off <= self.on <= 127):
            raise UsageError(f"smoothing settings out of range: window {self.n}, votes {self.k}, "
                             f"hysteresis on {self.on} / off {self.off}",
                             f"use --smooth-window 1..{MAX_WINDOW}, --smooth-votes 1..window and "
                             "-128 <= --hyst-off <= --hyst-on <= 127")
        return self

    def command(self) -> str:
        """The argument of ``tv-smooth-set``."""
        return f"mode={SMOOTH_MODES.index(self.mode)},n={self.n},k={self.k},on={self.on},off={self.off}"

    def to_json(self) -> dict:
        return asdict(self)


def roi_mask(cells: int, roi: tuple[float, float, float, float] | None) -> bytes | None:
    """The ``tv-gate-roi`` mask for a region ``(x0, y0, x1, y1)`` in fractions of the
    frame: the blocks whose centre lies inside it. None: every block."""
    if roi is None:
        return None
    x0, y0, x1, y1 = roi
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise UsageError(f"region of interest {roi} is not inside the frame",
                         "give --roi X0,Y0,X1,Y1 as fractions of the frame, e.g. 0,0.5,1,1")
    bits = np.zeros(cells * cells, np.uint8)
    for cy in range(cells):
        for cx in range(cells):
            x, y = (cx + 0.5) / cells, (cy + 0.5) / cells
            bits[cy * cells + cx] = x0 <= x <= x1 and y0 <= y <= y1
    if not bits.any():
        raise UsageError(f"region of interest {roi} holds no block of the {cells}x{cells} grid",
                         "make --roi larger or --gate-cells larger")
    return np.packbits(bits, bitorder="little").tobytes()


@dataclass
class GateTrace:
    """The gate's decision on every frame of a stream."""

    infer: np.ndarray     # bool
    reason: list[str]
    score: np.ndarray     # changed blocks
    max_diff: np.ndarray  # largest block difference (4 x luma levels)


def block_luma(frames: np.ndarray, cells: int, step: int, conversion: str = "uint8") -> np.ndarray:
    """``N x cells x cells`` int64 block means of 4 x luma, exactly as tv_gate.c."""
    frames = np.asarray(frames)
    px = frames.astype(np.int64)
    if conversion == "int8":
        px = (frames.astype(np.uint8) ^ 0x80).astype(np.int64)
    luma4 = px[..., 0] + 2 * px[..., 1] + px[..., 2] if px.shape[-1] >= 3 else 4 * px[..., 0]
    n, h, w = luma4.shape
    out = np.zeros((n, cells, cells), np.int64)
    for cy in range(cells):
        y0, y1 = cy * h // cells, (cy + 1) * h // cells
        for cx in range(cells):
            x0, x1 = cx * w // cells, (cx + 1) * w // cells
            block = luma4[:, y0:y1:step, x0:x1:step]
            count = block.shape[1] * block.shape[2]
            out[:, cy, cx] = block.reshape(n, -1).sum(axis=1) // count if count else 0
    return out


def run_gate(frames: np.ndarray, cfg: GateConfig, *, roi: bytes | None = None,
             conversion: str = "uint8", luma: np.ndarray | None = None) -> GateTrace:
    """The board's gate decisions for ``frames`` (``N x H x W x C`` uint8, the
    payloads the board receives), from a fresh start; ``luma`` is their
    :func:`block_luma` when already known."""
    cells = cfg.cells
    if luma is None:
        luma = block_luma(frames, cells, cfg.step, conversion)
    v = luma.reshape(len(luma), -1)
    inside = np.ones(cells * cells, bool)
    if roi is not None:
        bits = np.unpackbits(np.frombuffer(roi, np.uint8), bitorder="little")
        inside = np.zeros(cells * cells, bool)
        inside[: min(len(bits), cells * cells)] = bits[: cells * cells].astype(bool)
    n = len(v)
    infer = np.zeros(n, bool)
    score = np.zeros(n, np.int64)
    max_diff = np.zeros(n, np.int64)
    reasons: list[str] = []
    bg = None
    hold_left = since = 0
    for i in range(n):
        if bg is None:
            bg = v[i] * 16
            s = d = 0
        else:
            diff = np.abs(v[i] - bg // 16)
            s = int(((diff > 4 * cfg.thr) & inside).sum())
            d = int(diff[inside].max()) if inside.any() else 0
            delta = v[i] * 16 - bg
            bg = bg + np.where(delta >= 0, delta >> cfg.alpha, -((-delta) >> cfg.alpha))
        if not cfg.on:
            reason = "off"
        elif i == 0:
            reason = "first"
        elif s >= cfg.blocks:
            reason, hold_left = "motion", cfg.hold
        elif hold_left > 0:
            reason, hold_left = "hold", hold_left - 1
        elif cfg.refresh > 0 and since + 1 >= cfg.refresh:
            reason = "refresh"
        else:
            reason = "still"
        infer[i] = reason != "still"
        since = 0 if infer[i] else since + 1
        score[i], max_diff[i] = s, d
        reasons.append(reason)
    return GateTrace(infer, reasons, score, max_diff)


def smooth(raw: np.ndarray, cfg: SmoothConfig) -> tuple[np.ndarray, np.ndarray]:
    """The board's smoothed outputs and labels for the raw int8 output of every frame
    (``N x outputs``; skipped frames repeat the last raw output), as tv_smooth.c."""
    raw = np.asarray(raw, np.int64)
    n = cfg.n
    smoothed = raw.copy()
    labels = np.zeros(len(raw), np.int64)
    label = -1
    for i in range(len(raw)):
        top = int(np.argmax(raw[i]))
        window = raw[max(0, i - n + 1): i + 1]
        count = len(window)
        if cfg.mode == "avg":
            shifted = window.sum(axis=0) + 128 * count
            smoothed[i] = (2 * shifted + count) // (2 * count) - 128
            label = int(np.argmax(smoothed[i]))
        elif cfg.mode == "vote":
            votes = np.bincount(np.argmax(window, axis=1), minlength=raw.shape[1])
            best = int(np.argmax(votes))
            if votes[best] >= cfg.k:
                label = best
            elif label < 0:
                label = top
        elif cfg.mode == "hyst":
            if label < 0 or (top != label and (raw[i, top] >= cfg.on or raw[i, label] < cfg.off)):
                label = top
        else:
            label = top
        labels[i] = label
    return smoothed.astype(np.int8), labels


# ---------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """The gate settings chosen for a target recall, and what they do on the frames."""

    config: GateConfig
    target_recall: float
    recall: float          # event frames the model runs on
    skipped: float         # fraction of all frames skipped
    events: int
    events_missed: int
    tried: int

    def to_json(self) -> dict:
        return {"config": self.config.to_json(), "target_recall": self.target_recall, "recall": self.recall,
                "skipped": self.skipped, "events": self.events, "events_missed": self.events_missed,
                "tried": self.tried}


def event_runs(active: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, end)]`` of the runs of True in ``active`` (end exclusive)."""
    a = np.concatenate([[False], np.asarray(active, bool), [False]])
    edges = np.flatnonzero(a[1:] != a[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def gate_recall(infer: np.ndarray, active: np.ndarray) -> tuple[float, int, int]:
    """(fraction of event frames inferred, events, events with no inferred frame)."""
    active = np.asarray(active, bool)
    runs = event_runs(active)
    missed = sum(1 for s, e in runs if not infer[s:e].any())
    recall = float(infer[active].mean()) if active.any() else 1.0
    return recall, len(runs), missed


def calibrate(frames: np.ndarray, active: np.ndarray, *, target_recall: float = 0.99,
              base: GateConfig = GateConfig(), roi: bytes | None = None,
              conversion: str = "uint8") -> Calibration:
    """The gate settings that skip the most frames while the model still runs on at
    least ``target_recall`` of the frames where ``active`` (an event is in view) and
    on at least one frame of every event. Searches threshold, changed blocks and hold
    around ``base`` (its cells, step, refresh and alpha are kept)."""
    active = np.asarray(active, bool)
    if not active.any():
        raise UsageError("the calibration frames hold no event (no labelled motion)",
                         "calibrate on a clip with labelled events, e.g. the synthetic source")
    if not 0 < target_recall <= 1:
        raise UsageError(f"target recall {target_recall} is not in (0, 1]", "use e.g. --target-recall 0.99")
    best: tuple | None = None
    tried = 0
    luma = block_luma(frames, base.cells, base.step, conversion)
    for hold in (0, 1, 2, 4, 8):
        for blocks in (1, 2, 3, 4):
            if blocks > base.cells * base.cells:
                continue
            for thr in (2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48):
                cfg = replace(base, on=True, thr=thr, blocks=blocks, hold=hold)
                trace = run_gate(frames, cfg, roi=roi, luma=luma)
                tried += 1
                recall, events, missed = gate_recall(trace.infer, active)
                if recall + 1e-12 < target_recall or missed:
                    continue
                skipped = 1.0 - float(trace.infer.mean())
                key = (skipped, recall, -hold)
                if best is None or key > best[0]:
                    best = (key, cfg, recall, skipped, events, missed)
    if best is None:
        cfg = replace(base, on=True, thr=0, blocks=1, hold=8)
        trace = run_gate(frames, cfg, roi=roi, luma=luma)
        recall, events, missed = gate_recall(trace.infer, active)
        return Calibration(cfg, target_recall, recall, 1.0 - float(trace.infer.mean()), events, missed, tried + 1)
    _, cfg, recall, skipped, events, missed = best
    return Calibration(cfg, target_recall, recall, skipped, events, missed, tried)
