"""What ``tinyvid stream`` writes: the report and timeline as JSON, the timeline as
CSV, a PNG plot (scores, gate, latency over time) and, on request, an MP4 of the
frames with the board's predictions drawn."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np


def write_outputs(result, out_dir: Path, frames, *, video_out=None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"json": out_dir / "stream.json", "csv": out_dir / "timeline.csv", "png": out_dir / "timeline.png"}
    files["json"].write_text(json.dumps({"report": result.report, "timeline": result.timeline}, indent=2,
                                        default=_plain) + "\n")
    with open(files["csv"], "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(result.timeline[0]) if result.timeline else ["frame"])
        writer.writeheader()
        writer.writerows(result.timeline)
    plot(result, files["png"])
    if video_out is not None:
        files["video"] = write_video(result, frames, Path(video_out))
    return {k: str(v) for k, v in files.items()}


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def plot(result, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.timeline
    t = np.array([r["frame"] for r in rows])
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
    raw = np.array([list(bytes.fromhex(r["raw"])) if r["raw"] else [] for r in rows], dtype=object)
    width = max((len(v) for v in raw), default=0)
    if width:
        scores = np.full((len(rows), width), np.nan)
        for i, v in enumerate(raw):
            if len(v):
                scores[i] = np.array(v, np.uint8).astype(np.int8)
        for k in range(min(width, 10)):
            axes[0].plot(t, scores[:, k], lw=1, label=f"output {k}")
        axes[0].legend(loc="upper right", fontsize=7, ncol=min(width, 5))
    axes[0].set_ylabel("raw int8 score")
    axes[0].set_title(f"{result.report['source']} on {result.report['board']}", fontsize=9)
    infer = np.array([r["infer"] for r in rows])
    axes[1].step(t, [r["score"] for r in rows], where="mid", lw=1, label="changed blocks")
    axes[1].fill_between(t, 0, infer * max(1, max((r["score"] for r in rows), default=1)), step="mid",
                         alpha=0.25, label="model runs")
    if rows and rows[0]["event"] != "":
        axes[1].plot(t, [r["event"] * 0.5 for r in rows], "k.", ms=2, label="event (truth)")
    axes[1].set_ylabel("gate")
    axes[1].legend(loc="upper right", fontsize=7)
    axes[2].plot(t, [r["board_ms"] for r in rows], lw=1, label="board (from its counts)")
    axes[2].plot(t, [r["host_ms"] for r in rows], lw=1, label="end to end (host)")
    axes[2].set_ylabel("ms per frame")
    axes[2].set_xlabel("frame")
    axes[2].legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_video(result, frames, path: Path, *, scale: int = 4) -> Path:
    """The frames (scaled up) with the board's label, gate decision and timing drawn."""
    import cv2

    from tinyvid.errors import OutputPathError
    from tinyvid.paths import check_output_file

    check_output_file(path, hint="choose another file for --video-out")
    h, w = frames.frames.shape[1:3]
    size = (w * scale, h * scale + 40)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(frames.fps), size)
    if not writer.isOpened():
        raise OutputPathError(path, "OpenCV cannot write an MP4 there", "choose another file for --video-out")
    names = result.report.get("class_names") or []
    try:
        for row, frame in zip(result.timeline, frames.frames):
            img = frame if frame.shape[2] == 3 else np.repeat(frame, 3, axis=2)
            big = cv2.resize(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), (w * scale, h * scale),
                             interpolation=cv2.INTER_NEAREST)
            canvas = np.zeros((size[1], size[0], 3), np.uint8)
            canvas[40:] = big
            label = row["label"]
            text = names[label] if 0 <= label < len(names) else f"class {label}"
            colour = (0, 200, 0) if row["infer"] else (0, 160, 255)
            cv2.putText(canvas, f"#{row['frame']} {text}", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
            cv2.putText(canvas, f"{'model' if row['infer'] else 'skip'} ({row['reason']}) {row['board_ms']:.1f} ms",
                        (4, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1)
            writer.write(canvas)
    finally:
        writer.release()
    return path


def _fmt(value, spec: str = ",.0f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def format_report(r: dict) -> str:
    """The report as the readable table ``tinyvid stream`` prints."""
    unit = r["work_unit"]
    work = r["work_per_frame"]
    lines = [
        f"stream of {r['source']} on {r['board']} ({r['link']} link)",
        f"  preprocessing  {r['preprocessing']}",
        f"  frames         {r['frames']} sent, {r['frames_received']} received, {r['frames_inferred']} inferred, "
        f"{r['frames_skipped']} skipped; lost {r['frames_lost']}, corrupt {r['frames_corrupt']}, "
        f"duplicated {r['frames_duplicated']}",
        f"  exactness      {r['bit_exact_frames']}/{r['frames_inferred']} inferred frames bit-exact with tflite-micro; "
        f"gate {'matches' if r['gate_matches_host'] else 'DIFFERS FROM'} the host's, smoothing "
        f"{'matches' if r['smoothing_matches_host'] else 'DIFFERS FROM'} the host's",
        f"  per frame      {unit}: transfer {_fmt(work['rx'])}, gate {_fmt(work['gate'])}, "
        f"preprocessing {_fmt(work['pre'])}, model {_fmt(work['model'])} ({_fmt(r['model_work_per_inference'])} per "
        f"inference), smoothing {_fmt(work['post'])}",
        f"  overheads      gate {_fmt(r['gate_cost_fraction'], '.2%')} of the model; transfer "
        f"{_fmt(r['transfer_overhead_fraction'], '.1%')} of an inferred frame's time on the board",
        f"  speed          board {_fmt(r['fps_board'], ',.1f')} fps ({_fmt(r['fps_board_every_frame'], ',.1f')} fps "
        f"without the gate), end to end {_fmt(r['fps_end_to_end'], ',.1f')} fps",
        f"  latency        board p50 {_fmt(r['latency_board_ms_p50'], ',.2f')} ms, p95 "
        f"{_fmt(r['latency_board_ms_p95'], ',.2f')} ms; end to end p50 {_fmt(r['latency_end_to_end_ms_p50'], ',.1f')} ms,"
        f" p95 {_fmt(r['latency_end_to_end_ms_p95'], ',.1f')} ms",
        f"  gate           open {r['gate_open_fraction']:.1%} of the frames, longest run without the model "
        f"{r['max_gap_frames']} frames"
        + (f"; events: {r['events']}, missed {r['events_missed']}, event frames kept "
           f"{r['event_recall']:.1%} of {r['event_frames']}" if "events" in r else ""),
        f"  agreement      top-1 with the host running every frame {_fmt(r['agreement_with_host_every_frame'], '.1%')} "
        f"(raw {_fmt(r['agreement_raw_with_host_every_frame'], '.1%')})",
        f"  flicker        {_fmt(r['flicker_smoothed_per_min'], ',.1f')} label changes per minute (raw "
        f"{_fmt(r['flicker_raw_per_min'], ',.1f')}, every frame on the host {_fmt(r['flicker_every_frame_per_min'], ',.1f')})",
    ]
    if "detections_compared" in r:
        lines.append(f"  detections     {r['detections_match_host']}/{r['detections_compared']} frames decoded on the "
                     f"board as the host decodes their raw output; {_fmt(r['objects_per_frame_board'], '.2f')} objects "
                     f"per frame (host on every frame {_fmt(r['objects_per_frame_host_every_frame'], '.2f')})")
    if "accuracy_board" in r:
        lines.append(f"  accuracy       board {_fmt(r['accuracy_board'], '.1%')}, host on every frame "
                     f"{_fmt(r['accuracy_host_every_frame'], '.1%')}")
    if r.get("energy_source") == "measured":
        lines.append(f"  energy         {r['energy_per_frame_uj']:,.1f} uJ per frame (measured), average "
                     f"{r['average_power_mw']:.3f} mW over the stream"
                     + (f"; the estimate: {r['energy_estimate_per_frame_uj']:,.1f} uJ per frame"
                        if r.get("energy_estimate_per_frame_uj") is not None else ""))
        lines.append(f"                 {r['energy_basis']}")
    elif r.get("energy_per_frame_uj") is not None:
        lines.append(f"  energy         {r['energy_per_frame_uj']:,.1f} uJ per frame (estimate; "
                     f"{r['energy_per_frame_every_frame_uj']:,.1f}"
                     f" without the gate, {r['energy_saved_fraction']:.1%} saved); at {r['target_fps']:g} fps duty "
                     f"cycle {r['duty_cycle']:.1%}, average {r['average_power_mw']:.3f} mW"
                     + ("" if r["sustains_target_fps"] else " (the board cannot keep up with that rate)"))
        lines.append(f"                 {r['energy_basis']}")
    if r.get("overlap"):
        from tinyvid.video.overlap import overlap_lines

        lines += overlap_lines(r["overlap"])
    for note in r.get("notes", []):
        lines.append(f"  note: {note}")
    return "\n".join(lines)
