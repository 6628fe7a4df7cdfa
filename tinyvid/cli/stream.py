"""``tinyvid stream``: video through a board (a thin wrapper over tinyvid.video.stream)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tinyvid.cli.options import POSITIVE, PortURL, json_flag, output_file_option, output_option, place_options
from tinyvid.cli.options import power_option
from tinyvid.errors import EXIT_OK, EXIT_REGRESSION

_SMOOTH = ("none", "avg", "vote", "hyst")


def _roi(ctx, param, value):
    if value is None:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
        if len(parts) != 4:
            raise ValueError
    except ValueError:
        raise click.BadParameter("use X0,Y0,X1,Y1 as fractions of the frame, e.g. 0,0.5,1,1") from None
    return parts


@click.command("stream")
@click.argument("source", required=False)
@click.option("--project", type=click.Path(file_okay=False, path_type=Path),
              help="A generated project: built if needed, its emulated board launched and shut down.")
@click.option("--port", type=PortURL(), help="Serial port URL of a board (/dev/ttyACM0, socket://HOST:PORT, exec:PATH).")
@place_options
@click.option("--board", help="Board name, for --port (its clock and power figures).")
@power_option
@click.option("--camera", type=click.IntRange(0), help="Stream from OpenCV camera N instead of SOURCE.")
@click.option("--model", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The int8 .tflite the board runs (default: the project's): the host reference.")
@click.option("--fps", type=POSITIVE, help="Frames per second sampled from a clip (default: every frame).")
@click.option("--max-frames", type=click.IntRange(1), help="Stream at most this many frames (synthetic: how many to render, default 300).")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Seed of the synthetic stream.")
@click.option("--link", type=click.Choice(["auto", "file", "serial"]), default="auto", show_default=True,
              help="file: the board reads a frame file (semihosting; emulated and host boards); serial: "
                   "tv-frame over the serial link; auto: file when the board runs here.")
@click.option("--no-gate", is_flag=True, help="Run the model on every frame.")
@click.option("--gate-cells", type=click.IntRange(1, 16), default=8, show_default=True, help="Gate grid: N x N blocks.")
@click.option("--gate-step", type=click.IntRange(1, 16), default=2, show_default=True, help="Gate pixel sampling stride.")
@click.option("--gate-threshold", type=click.IntRange(0, 255), default=12, show_default=True,
              help="Luma levels a block must change by.")
@click.option("--gate-blocks", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Changed blocks that make motion.")
@click.option("--gate-hold", type=click.IntRange(0), default=2, show_default=True, help="Frames inferred after motion.")
@click.option("--gate-refresh", type=click.IntRange(0), default=30, show_default=True,
              help="Run the model at least every K frames (0: never forced).")
@click.option("--gate-alpha", type=click.IntRange(0, 8), default=4, show_default=True,
              help="Background blend: 1/2^alpha a frame.")
@click.option("--roi", callback=_roi, metavar="X0,Y0,X1,Y1", help="Region of interest of the gate (fractions of the frame).")
@click.option("--calibrate", is_flag=True,
              help="Choose the gate threshold, blocks and hold on the host from the source's labelled events for --target-recall.")
@click.option("--target-recall", type=click.FloatRange(0, 1, min_open=True), default=0.99, show_default=True,
              help="Event frames the calibrated gate must keep.")
@click.option("--smooth", type=click.Choice(_SMOOTH), default="none", show_default=True,
              help="On-board smoothing: moving average, k-of-n vote or hysteresis.")
@click.option("--smooth-window", type=click.IntRange(1, 16), default=5, show_default=True, help="n: frames smoothed over.")
@click.option("--smooth-votes", type=click.IntRange(1, 16), default=3, show_default=True, help="k of a k-of-n vote.")
@click.option("--hyst-on", type=click.IntRange(-128, 127), default=64, show_default=True,
              help="Hysteresis: raw int8 score that switches to a class.")
@click.option("--hyst-off", type=click.IntRange(-128, 127), default=0, show_default=True,
              help="Hysteresis: raw int8 score under which the current class is left.")
@click.option("--target-fps", type=POSITIVE, help="Frame rate for the duty cycle and average power (default: the stream's).")
@click.option("--sleep-ma", type=click.FloatRange(0), help="Sleep current in mA (default: the board file's, else 0.05, assumed).")
@click.option("--overlap", is_flag=True,
              help="Then stream the first --overlap-frames frames single- and double-buffered over a link of --baud "
                   "and report transfer, inference, frames per second, the bound 1/max(transfer, inference) and the "
                   "speed-up (emulated boards: a link modelled on the board, QEMU's UART has no baud timing).")
@click.option("--baud", type=POSITIVE, help="Link rate of --overlap in baud, 8N1 (default: the board file's).")
@click.option("--overlap-frames", type=click.IntRange(2, 1000), default=6, show_default=True,
              help="Frames streamed in each mode of --overlap.")
@click.option("--link-fifo", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Bytes the modelled link of an emulated board hands over an interrupt in --overlap (a receive "
                   "FIFO's threshold; 1: an interrupt a byte, as the CMSDK and STM32F4 UARTs).")
@output_option(help="Write stream.json, timeline.csv and timeline.png into this folder.")
@output_file_option("--video-out", help="Write an MP4 of the frames with the board's predictions drawn.")
@json_flag("the report")
def stream_cmd(source, project, port, place, place_wait, board, power, camera, model, fps, max_frames, seed, link, no_gate, gate_cells,
               gate_step, gate_threshold, gate_blocks, gate_hold, gate_refresh, gate_alpha, roi, calibrate,
               target_recall, smooth, smooth_window, smooth_votes, hyst_on, hyst_off, target_fps, sleep_ma,
               overlap, baud, overlap_frames, link_fifo, out_dir, video_out, as_json):
    """Stream SOURCE through a board: a video file, a folder of clips or images (class
    subfolders label them), 'synthetic' (static camera with motion events, ground truth
    known), 'synthetic-moving' (a panning camera), or --camera N.

    Frames are preprocessed as in training (printed), sent as binary frames (length,
    CRC-32, sequence number), gated on motion and smoothed on the board; every
    inferred frame is checked against tflite-micro.
    """
    from tinyvid.errors import UsageError
    from tinyvid.video import GateConfig, SmoothConfig, stream
    from tinyvid.video.report import format_report

    from tinyvid.farm import place_port

    if (port is not None) + (project is not None and place is None) + (place is not None) != 1:
        raise UsageError("give exactly one of --port URL, --project DIR or --place NAME "
                         "(with --place, --project DIR is flashed onto it)", "see 'tinyvid stream --help'")
    gate = GateConfig(on=not no_gate, cells=gate_cells, step=gate_step, thr=gate_threshold, blocks=gate_blocks,
                      hold=gate_hold, refresh=gate_refresh, alpha=gate_alpha)
    smoothing = SmoothConfig(mode=smooth, n=smooth_window if smooth != "none" else 1,
                             k=min(smooth_votes, smooth_window) if smooth == "vote" else 1,
                             on=hyst_on if smooth == "hyst" else 0, off=hyst_off if smooth == "hyst" else 0)
    def log(text: str) -> None:
        click.echo(text, err=True)

    with place_port(place, wait=place_wait, port=port, project=project) as port:
        result = stream(source, port=port, project=None if place else project, board=board, camera=camera,
                        model=model, fps=fps, max_frames=max_frames, gate=gate, smoothing=smoothing, roi=roi, link=link,
                        target_fps=target_fps, sleep_ma=sleep_ma, calibrate_gate=calibrate,
                        target_recall=target_recall, seed=seed, out_dir=out_dir, video_out=video_out,
                        progress=sys.stderr.isatty() and not as_json, log=log, overlap=overlap, baud=baud,
                        overlap_frames=overlap_frames, link_fifo=link_fifo, power=power)
    if as_json:
        click.echo(json.dumps({**result.report, "files": result.files}, indent=2, default=str))
    else:
        click.echo(format_report(result.report))
        if result.files:
            click.echo("wrote: " + ", ".join(result.files.values()))
    sys.exit(EXIT_REGRESSION if result.failed else EXIT_OK)


COMMANDS = [stream_cmd]
